package main

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
)

// walkAdminPages walks the admin pages as ops@example.com, who is logged
// in on #/admin with the dashboard in Arabic, after moving Sara to the
// business plan with a reason: the installation's numbers (as
// /admin/stats counts them), a search by part of a phone number written
// with spaces that finds Sara's session and leads to her, the audit log
// filtered to plan changes with the reason given; then both pages on a
// phone (Arabic) and on a desktop in English, without sideways scrolling.
// It leaves the browser in English at desktop size.
func walkAdminPages(t *testing.T, base string, ops, sara *client, step browserStep, eval browserEval, text func(name, js string) string, viewShot browserCapture) {
	t.Helper()
	type (
		css  = chromedp.CSS
		find = chromedp.Search
	)
	var stats struct {
		Stats struct {
			Sessions         int            `json:"sessions"`
			SessionsByStatus map[string]int `json:"sessions_by_status"`
			Webhooks         int            `json:"webhooks"`
			WebhooksFailing  int            `json:"webhooks_failing"`
		} `json:"stats"`
	}
	ops.do("GET", "/api/v1/admin/stats", nil).must(t, http.StatusOK, &stats)
	if !eval("admin stats", `(() => { const s = document.querySelector('#a-stats [data-stat="sessions"]');
		return s.querySelector(".n").textContent === "`+strconv.Itoa(stats.Stats.Sessions)+`" &&
			s.querySelectorAll("[data-state]").length === `+strconv.Itoa(len(stats.Stats.SessionsByStatus))+` &&
			document.querySelector('#a-stats [data-stat="webhooks_failing"] .n').textContent === "`+strconv.Itoa(stats.Stats.WebhooksFailing)+`" &&
			!!document.querySelector('#a-stats [data-stat="today"]') && !!document.querySelector('#a-stats [data-stat="users"]'); })()`) {
		t.Errorf("the admin page's numbers differ from /admin/stats %+v", stats.Stats)
	}

	// Sara's paired session, found by the end of its number as typed by a
	// person (spaces), leads to Sara's row among the tenants.
	shop := sessionsByName(t, sara)["shop"]
	if len(shop.Phone) < 8 {
		t.Fatalf("shop has no phone to search: %+v", shop)
	}
	typed := shop.Phone[len(shop.Phone)-7:len(shop.Phone)-4] + " " + shop.Phone[len(shop.Phone)-4:]
	var me struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	sara.do("GET", "/api/v1/auth/me", nil).must(t, http.StatusOK, &me)
	step("admin finds a session by phone",
		chromedp.SendKeys(css(`#a-q`), typed),
		chromedp.Click(css(`form[role="search"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`#a-sessions tr[data-session="`+shop.ID+`"]`)),
		viewShot("21-admin-search-ar"))
	if !eval("found session's tenant", `document.querySelector('#a-sessions tr[data-session="`+shop.ID+`"]').textContent.includes("sara@example.com")`) {
		t.Error("the session found by phone does not name its tenant")
	}
	step("admin follows the session to its tenant",
		chromedp.Click(css(`#a-sessions tr[data-session="`+shop.ID+`"] a`)),
		chromedp.WaitReady(css(`#a-q[value="`+me.User.ID+`"]`)),
		chromedp.WaitVisible(css(`#tenants tr[data-tenant="`+me.User.ID+`"]`)))
	if !eval("one tenant", `document.querySelectorAll("#tenants tbody tr").length === 1`) {
		t.Error("searching a tenant's id lists other tenants too")
	}

	// The audit log, filtered to plan changes, shows the reason typed in
	// the confirmation.
	step("audit log filtered",
		chromedp.Click(css(`#tenants tr[data-tenant="`+me.User.ID+`"] a[href^="#/admin/audit"]`)),
		chromedp.WaitVisible(css(`#audit tbody tr[data-action]`)),
		chromedp.SetValue(css(`#au-action`), "tenant.plan_change"),
		chromedp.Click(css(`form[role="search"] button[type="submit"]`)),
		chromedp.WaitReady(css(`#au-action option[value="tenant.plan_change"][selected]`)),
		chromedp.WaitVisible(find(`//table[@id="audit"]//td[contains(., "Upgrade asked by mail")]`)),
		viewShot("22-admin-audit-ar"))
	if !eval("audit filter", `[...document.querySelectorAll("#audit tbody tr")].every(r => r.dataset.action === "tenant.plan_change") &&
		document.querySelector("#au-target").value === "`+me.User.ID+`"`) {
		t.Error("the filtered audit log shows other actions, or lost the tenant's filter")
	}

	noSideways := `document.documentElement.scrollWidth <= document.documentElement.clientWidth && [...document.querySelectorAll(".table-wrap")].every(w => w.scrollWidth <= w.clientWidth)`
	labelled := `[...document.querySelectorAll("main input, main select, main textarea")].every(i => i.labels && i.labels.length > 0)`
	for _, mode := range []struct {
		name          string
		width, height int64
		english       bool
	}{{"ar-phone", 390, 844, false}, {"en", 1280, 900, true}, {"en-phone", 390, 844, true}} {
		actions := []chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(mode.width, mode.height)}
		if mode.english && !eval("language", `document.documentElement.lang === "en"`) {
			actions = append(actions, chromedp.Click(css(`#lang`)), chromedp.WaitVisible(find(`//h1[text()="Admin"]`)))
		}
		step("admin audit "+mode.name, append(actions, chromedp.WaitVisible(css(`#audit tbody tr`)), viewShot("23-admin-audit-"+mode.name))...)
		if !eval("audit "+mode.name, noSideways+" && "+labelled) {
			t.Errorf("the audit log (%s) scrolls sideways or has a control without a label", mode.name)
		}
		step("admin page "+mode.name,
			chromedp.Click(css(`nav.tabs a[href="#/admin"]`)),
			chromedp.WaitVisible(css(`#a-stats`)),
			chromedp.WaitVisible(css(`#tenants`)),
			viewShot("24-admin-"+mode.name))
		if !eval("admin "+mode.name, noSideways+" && "+labelled) {
			t.Errorf("the admin page (%s) scrolls sideways or has a control without a label: %s", mode.name, text("widths",
				`JSON.stringify([document.documentElement.scrollWidth, document.documentElement.clientWidth, ...[...document.querySelectorAll(".table-wrap")].map(w => [w.firstChild.id, w.scrollWidth, w.clientWidth])])`))
		}
		step("back to the audit log "+mode.name, chromedp.Evaluate[chromedp.Void](`history.back()`), chromedp.WaitVisible(css(`#audit`)))
	}
	step("admin back to the desktop", chromedp.EmulateViewport(1280, 900))
}
