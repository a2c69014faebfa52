package main

import "testing"

// checkAPIDocs checks the /docs page TestDashboardInBrowser has open: the
// descriptions' Markdown is rendered (code spans, no stray backticks), the
// API key scopes table lists the scopes the route table enforces, and each
// operation says who may call it as the table has it.
func checkAPIDocs(t *testing.T, eval browserEval) {
	t.Helper()
	checks := []struct{ name, js string }{
		{"markdown rendered", `document.querySelectorAll("#main > .md code").length > 0 &&
			![...document.querySelectorAll(".md p, .md li")].some(p => p.textContent.includes("` + "`" + `"))`},
		{"scopes table", `["manage", "read", "send"].every(s => document.querySelector('#scopes tr[data-scope="' + s + '"]') !== null)`},
		{"send needs send", `document.querySelector("#sendMessage .auth code.scope").textContent === "send"`},
		{"sessions list needs read", `document.querySelector("#listSessions .auth code.scope").textContent === "read"`},
		{"admin only", `document.querySelector("#adminStats .auth").textContent.startsWith("Admin only")`},
		{"token only", `document.querySelector("#changePassword .auth").textContent.startsWith("Login token only")`},
		{"public", `document.querySelector("#register .auth").textContent.startsWith("No authentication")`},
	}
	for _, c := range checks {
		if !eval("docs: "+c.name, c.js) {
			t.Errorf("/docs: %s does not hold", c.name)
		}
	}
}
