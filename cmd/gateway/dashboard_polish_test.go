package main

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// walkDeliveryLog runs on the webhooks page (English, desktop) after the
// endpoint's test delivery succeeded: a delivery's Details show each
// attempt with the body sent (the event envelope) and the endpoint's
// answer ("thanks"), and the endpoint's card its success rate over the
// last 7 days.
func walkDeliveryLog(t *testing.T, step browserStep, eval browserEval, shot browserCapture) {
	t.Helper()
	step("delivery details",
		chromedp.Click(chromedp.CSS(`.deliveries button[data-action="details"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.attempts li[data-attempt] details.body`)),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll(".attempts details.body").forEach(d => { d.open = true; })`))
	if !eval("request body shown", `(() => { const pre = document.querySelectorAll(".attempts li[data-attempt] details.body pre");
		return pre.length === 2 && pre[0].textContent.includes('"type": "webhook.test"') && pre[0].getAttribute("dir") === "ltr" && pre[1].textContent === "thanks"; })()`) {
		t.Error("a delivery's details do not show the request body sent and the endpoint's answer")
	}
	step("success rate",
		chromedp.Click(chromedp.CSS(`a[href="#/overview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[role="progressbar"]`)),
		chromedp.Click(chromedp.CSS(`a[href="#/webhooks"]`)),
		chromedp.WaitVisible(chromedp.CSS(`section[data-webhook] .rate strong`)),
		shot("05b-webhook-rate"))
	if !eval("rate shown", `(() => { const r = document.querySelector("section[data-webhook] .rate"); return r.dataset.rate === "1" && r.textContent.startsWith("100%") && /delivered: \d+ of \d+ in the last 7 days/.test(r.textContent); })()`) {
		t.Error("the webhook's card does not show its success rate (100%, n of n)")
	}
}

// walkUserPagesInArabic runs in Arabic on a phone after the message log:
// the stored reasons (the failed message's, the stopped session's) read in
// Arabic, and the webhooks page (success rate, delivery details with the
// bodies) and the API keys page (key prefix isolated) keep within the
// screen, every control labelled.
func walkUserPagesInArabic(t *testing.T, step browserStep, eval browserEval, text func(name, js string) string, viewShot browserCapture) {
	t.Helper()
	noSideways := `document.documentElement.scrollWidth <= document.documentElement.clientWidth && [...document.querySelectorAll(".table-wrap, .card")].every(w => w.scrollWidth <= w.clientWidth + 1)`
	labelled := `[...document.querySelectorAll("input, select, textarea")].every(i => i.labels && i.labels.length > 0)`
	// What a failure names: the elements wider than their box, the
	// controls without a label.
	tooWide := `[...document.querySelectorAll("*")].filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== "visible" || e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 || e.getBoundingClientRect().left < -1).slice(0, 5).map(e => e.tagName + "." + e.className + " " + e.scrollWidth + "/" + e.clientWidth).join("; ")`
	unlabelled := `[...document.querySelectorAll("input, select, textarea")].filter(i => !i.labels || !i.labels.length).map(i => i.outerHTML).join("; ")`
	if !eval("failed reason in Arabic", `[...document.querySelectorAll("table tbody tr")].some(r => r.querySelector(".badge.failed") && r.textContent.includes("المستلم ليس على واتساب"))`) {
		t.Error("the Arabic message log shows the failed message's reason in English")
	}
	step("sessions reason in Arabic",
		chromedp.Click(chromedp.CSS(`#menu`)),
		chromedp.Click(chromedp.CSS(`#nav a[href="#/sessions"]`)),
		chromedp.WaitVisible(chromedp.CSS(`td.status .reason`)))
	if !eval("stopped reason in Arabic", `[...document.querySelectorAll("td.status .reason")].some(r => r.textContent === "أُوقف المثيل؛ شغّله ليتصل من جديد.")`) {
		t.Error("the Arabic sessions page shows the stopped session's reason in English")
	}
	step("webhooks in Arabic on a phone",
		chromedp.Click(chromedp.CSS(`#menu`)),
		chromedp.Click(chromedp.CSS(`#nav a[href="#/webhooks"]`)),
		chromedp.WaitVisible(chromedp.CSS(`section[data-webhook] .rate strong`)),
		// Clicked by script: the menu closing moves the page under a tap.
		chromedp.Evaluate[chromedp.Void](`document.querySelector("section[data-webhook] button.secondary").click()`), // Deliveries
		chromedp.WaitVisible(chromedp.CSS(`.deliveries button[data-action="details"]`)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(".deliveries button[data-action='details']").click()`),
		chromedp.WaitVisible(chromedp.CSS(`.attempts li[data-attempt]`)),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll(".attempts details.body").forEach(d => { d.open = true; })`),
		viewShot("08e-webhooks-ar-phone"))
	if !eval("webhooks page in Arabic", `document.querySelector("section[data-webhook] .rate").textContent.includes("سُلّم") &&
		document.querySelector("section[data-webhook] h2 bdi[dir=auto]") !== null`) {
		t.Error("the Arabic webhooks page has no Arabic success rate or does not isolate the URL")
	}
	if !eval("webhooks on a phone", noSideways) {
		t.Errorf("the webhooks page with a delivery's bodies scrolls sideways on a phone: %s", text("too wide", tooWide))
	}
	if !eval("webhooks labelled", labelled) {
		t.Errorf("the webhooks page has an unlabelled control: %s", text("unlabelled", unlabelled))
	}
	step("keys in Arabic on a phone",
		chromedp.Click(chromedp.CSS(`#menu`)),
		chromedp.Click(chromedp.CSS(`#nav a[href="#/keys"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#k-name`)),
		viewShot("08f-keys-ar-phone"))
	if !eval("key prefix isolated", `[...document.querySelectorAll("tbody td bdi[dir=auto]")].some(b => b.textContent.startsWith("wsa_"))`) {
		t.Error("the Arabic keys page does not isolate the key prefix")
	}
	if !eval("keys on a phone", noSideways) {
		t.Errorf("the keys page scrolls sideways on a phone: %s", text("too wide", tooWide))
	}
	if !eval("keys labelled", labelled) {
		t.Errorf("the keys page has an unlabelled control: %s", text("unlabelled", unlabelled))
	}
}
