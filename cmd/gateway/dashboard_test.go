package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// chromiumPath is Debian's chromium; the browser test skips without it.
const chromiumPath = "/usr/bin/chromium"

// TestDashboardInBrowser drives the dashboard in headless Chromium as a new
// user would: register, create a session, start it, see the QR code, pair
// it with the sandbox's simulated scan, send a message and see it
// delivered (and another fail, with its reason), the buttons following the
// session's state throughout, stop it and see why it stopped, add a
// webhook and see its test delivery succeed, read the
// message log, switch to Arabic (right to left). On the paired session it
// walks the account's pages too (walkAccountPages), its status and channels
// (walkStoriesPages), and the admin pages (walkAdminPages). Screenshots of each step are test artifacts, in
// t.ArtifactDir(): kept with `go test -artifacts -outputdir DIR` (make
// test-browser keeps them in testdata/artifacts), removed otherwise; the
// test logs where they are. WAGW_UPDATE_DOCS=1 also writes
// docs/dashboard.png for the README.
func TestDashboardInBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skip("chromium is not installed (apt-get install chromium)")
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	var hooks atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hooks.Add(1)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("thanks")) // shown in the delivery log
	}))
	defer receiver.Close()
	// A long pair delay: the session waits on its QR code until the
	// dashboard's "simulate scan" button pairs it.
	// No send pacing: the chat walk sends a page's worth of messages.
	base := startGateway(t, testEnv(t, map[string]string{"SANDBOX_PAIR_DELAY": "10m", "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true", "SEND_RATE_PER_MINUTE": "0",
		"WEBHOOK_POLL_INTERVAL": "50ms", "ADMIN_EMAIL": "ops@example.com", "ADMIN_PASSWORD": "ops-password-123"}))
	// The screenshots: test artifacts (see the comment above).
	screenshotDir := t.ArtifactDir()
	t.Cleanup(func() { t.Logf("screenshots in %s", screenshotDir) })

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Headless,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1280, 900), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer cancelCtx()
	// Generous: the machine may be busy; each step logs its time.
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	// The browser starts with the first action on a context and ends with
	// that context: start it here, so a step's own deadline ends only the
	// step.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}

	type (
		css  = chromedp.CSS
		find = chromedp.Search // XPath or text
	)
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return chromedp.Void{}, err
			}
			return chromedp.Void{}, os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644)
		}
	}
	// viewShot captures the viewport only (an emulated phone screen).
	viewShot := func(name string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			png, err := chromedp.CaptureScreenshot()(ctx, tg)
			if err != nil {
				return chromedp.Void{}, err
			}
			return chromedp.Void{}, os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644)
		}
	}
	fail := func(name string, err error) {
		t.Helper()
		page, _ := chromedp.Run(ctx, chromedp.OuterHTML(css("main")))
		_ = chromedp.Do(ctx, shot("failed-"+name))
		t.Fatalf("%s: %v\npage: %s", name, err, page)
	}
	// Each step has its own deadline: a step that cannot finish fails
	// with its name and the page, not the whole test's timeout.
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		start := time.Now()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			fail(name, err)
		}
		t.Logf("step %q took %s", name, time.Since(start).Round(time.Millisecond))
	}
	eval := func(name, js string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err != nil {
			fail(name, err)
		}
		return v
	}

	text := func(name, js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			fail(name, err)
		}
		return v
	}
	num := func(name, js string) int {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		if err != nil {
			fail(name, err)
		}
		return v
	}

	// A browser asking for / gets the dashboard; it starts on the login form.
	step("open", chromedp.Navigate(base+"/"), chromedp.WaitVisible(css(`form input[name="email"]`)))
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(strings.Split(url, "#")[0], "/app/") {
		t.Fatalf("/ in a browser led to %s (%v), want /app/", url, err)
	}
	// The server's refusals appear next to their fields, not in one
	// paragraph at the bottom (a blank name and a bad phone pass the
	// browser's own checks).
	step("register errors by field",
		chromedp.Click(css(`a[href="#/register"]`)),
		chromedp.WaitVisible(css(`#name`)),
		chromedp.SendKeys(css(`#name`), "   "),
		chromedp.SendKeys(css(`#email`), "sara@example.com"),
		chromedp.SendKeys(css(`#password`), "a-long-password"),
		chromedp.SendKeys(css(`#phone`), "abc"),
		chromedp.Click(css(`form button[type="submit"]`)),
		chromedp.WaitVisible(css(`.field #name-error`)),
		chromedp.WaitVisible(css(`.field #phone-error`)),
		shot("01-register-errors"))
	if !eval("register errors by field", `document.querySelector("#phone").getAttribute("aria-invalid") === "true" &&
		document.querySelector("#phone").getAttribute("aria-describedby") === "phone-error" &&
		!document.querySelector(".form-error").textContent.includes("phone:") &&
		document.activeElement === document.querySelector("#name")`) {
		t.Errorf("register: the field errors are not attached to their inputs (or are repeated at the bottom)")
	}
	// Typing in a refused field takes its error away. The fields are
	// emptied by script: chromedp's Clear hangs on them in CI.
	step("field error goes once edited",
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("form input").forEach(i => { i.value = ""; })`),
		chromedp.SendKeys(css(`#phone`), "+1 555 000 1111"),
		chromedp.WaitNotPresent(css(`#phone-error`)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#phone").value = ""`))
	step("register",
		chromedp.SendKeys(css(`#name`), "Sara"),
		chromedp.SendKeys(css(`#email`), "sara@example.com"),
		chromedp.SendKeys(css(`#password`), "a-long-password"),
		shot("01-register"),
		chromedp.Click(css(`form button[type="submit"]`)),
		chromedp.WaitVisible(css(`#session-name`)))
	// buttons lists the session page's action buttons, in order.
	buttons := func(name string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#session-actions button")].map(b => b.dataset.action).join(",")`))
		if err != nil {
			fail(name, err)
		}
		return v
	}
	// The engine is offered (both run here), the server's default chosen
	// first; the walk keeps the sandbox, which the browser can pair.
	if !eval("engine choice", `[...document.querySelectorAll("#session-engine option")].map(o => o.value).join(",") === "sandbox,whatsmeow" &&
		document.querySelector("#session-engine").value === "sandbox"`) {
		t.Error("the New session form does not offer sandbox and whatsmeow with the server's default (sandbox) chosen")
	}
	step("create session",
		chromedp.SendKeys(css(`#session-name`), "shop"),
		chromedp.SetValue(css(`#session-engine`), "sandbox"),
		chromedp.Click(css(`form button[type="submit"]`)),
		chromedp.WaitVisible(css(`#session-status`)),
		chromedp.WaitVisible(find(`//button[text()="Start"]`)))
	// Every button follows the session's state: a session with no worker
	// offers Start (no Stop, no Log out).
	if got, err := chromedp.Run(ctx, chromedp.Text(css(`#session-engine-name`))); err != nil || got != "sandbox" {
		t.Errorf("the session page names engine %q (%v), want sandbox", got, err)
	}
	if got := buttons("created buttons"); got != "start,delete" {
		t.Errorf("a created session offers %q, want start,delete", got)
	}
	step("start", chromedp.Click(find(`//button[text()="Start"]`)),
		chromedp.WaitVisible(css(`#session-actions button[data-action="restart"]`)))
	step("qr code shown",
		chromedp.WaitVisible(css(`img#qr[src^="data:image/png;base64,"]`)),
		chromedp.WaitVisible(css(`#pair-phone`)),
		shot("02-pairing-qr"))
	if got := buttons("pairing buttons"); got != "stop,restart,delete" {
		t.Errorf("a pairing session offers %q, want stop,restart,delete (no Start on a running session, no Log out before pairing)", got)
	}
	step("pair by simulated scan",
		chromedp.Click(find(`//button[contains(., "Simulate scan")]`)),
		chromedp.WaitVisible(css(`p.paired`)),
		chromedp.WaitVisible(css(`#session-status .badge.connected`)),
		chromedp.WaitVisible(css(`#session-actions button[data-action="logout"]`)),
		shot("03-paired"))
	if got := buttons("paired buttons"); got != "stop,restart,logout,delete" {
		t.Errorf("a connected session offers %q, want stop,restart,logout,delete", got)
	}
	step("send and see delivered",
		chromedp.SendKeys(css(`#recipient`), "+1 555 000 2222"),
		chromedp.Click(find(`//form//button[text()="Send"]`)),
		chromedp.WaitVisible(css(`#sent-status .badge.delivered, #sent-status .badge.read`)),
		shot("04-sent-delivered"))
	// A failed message says why (the sandbox's numbers ending in 0000 are
	// not on WhatsApp), beside its badge.
	step("send and see why it failed",
		chromedp.SetValue(css(`#recipient`), "+1 555 123 0000"),
		chromedp.Click(find(`//form//button[text()="Send"]`)),
		chromedp.WaitVisible(css(`#sent-status .badge.failed`)),
		chromedp.WaitVisible(find(`//span[@id="sent-status"]/span[contains(., "not on WhatsApp")]`)),
		shot("04b-sent-failed"))
	step("auto-reply setting",
		chromedp.Click(css(`#auto-reply`)),
		chromedp.SendKeys(css(`#auto-reply-message`), "We reply within the hour."),
		chromedp.Click(css(`#auto-reject-calls`)),
		chromedp.SendKeys(css(`#auto-reject-message`), "No calls, please write."),
		chromedp.Click(find(`//section[@aria-labelledby="h-settings"]//button[@type="submit"]`)),
		chromedp.WaitVisible(find(`//div[@id="toast"]/div[text()="Saved."]`)))
	{
		var list struct {
			Sessions []struct {
				Settings struct {
					AutoReply         bool   `json:"auto_reply"`
					AutoReplyMessage  string `json:"auto_reply_message"`
					AutoRejectCalls   bool   `json:"auto_reject_calls"`
					AutoRejectMessage string `json:"auto_reject_message"`
				} `json:"settings"`
			} `json:"sessions"`
		}
		login(t, base, "sara@example.com", "a-long-password").do("GET", "/api/v1/sessions", nil).must(t, http.StatusOK, &list)
		if len(list.Sessions) != 1 {
			t.Fatalf("after saving the settings: %+v", list.Sessions)
		}
		if st := list.Sessions[0].Settings; !st.AutoReply || st.AutoReplyMessage != "We reply within the hour." ||
			!st.AutoRejectCalls || st.AutoRejectMessage != "No calls, please write." {
			t.Fatalf("after saving the settings: %+v", list.Sessions)
		}
	}
	walkAccountPages(t, base, step, eval, num, shot, viewShot)
	step("webhook and its delivery",
		chromedp.Click(css(`a[href="#/webhooks"]`)),
		chromedp.WaitVisible(css(`#w-url`)),
		chromedp.SendKeys(css(`#w-url`), receiver.URL+"/hook"),
		chromedp.Click(find(`//button[text()="Add webhook"]`)),
		chromedp.WaitVisible(css(`#w-secret .once code`)),
		// Each event is explained where it is chosen.
		chromedp.WaitVisible(css(`fieldset.events label[data-event="message.status"] .muted`)),
		chromedp.Click(find(`//button[text()="Send test"]`)))
	if !eval("events explained", `[...document.querySelectorAll("fieldset.events label")].every(l => { const m = l.querySelector(".muted"); return !!m && m.textContent.length > 3 && !m.textContent.startsWith("ev."); })`) {
		t.Error("an event of the webhook form has no explanation")
	}
	// The delivery log is read again until the test delivery succeeded.
	polltest.Eventually(t, 30*time.Second, "the webhook's test delivery shown as succeeded", func() bool {
		step("reload deliveries", chromedp.Click(find(`//button[text()="Deliveries"]`)))
		return hooks.Load() > 0 && eval("delivery succeeded", `!!document.querySelector(".deliveries .badge.succeeded")`)
	})
	step("webhook shot", shot("05-webhook-delivered"))
	walkDeliveryLog(t, step, eval, shot)
	step("keys",
		chromedp.Click(css(`a[href="#/keys"]`)),
		chromedp.WaitVisible(css(`#k-name`)),
		chromedp.SendKeys(css(`#k-name`), "backend"),
		chromedp.Click(css(`form button[type="submit"]`)),
		chromedp.WaitVisible(css(`#new-key`)))
	if key, err := chromedp.Run(ctx, chromedp.Text(css(`#new-key`))); err != nil || !strings.HasPrefix(key, "wsa_") {
		t.Fatalf("new key shown as %q (%v), want wsa_…", key, err)
	}
	// Long text must not break the layout: a 100-character session name
	// and a long message are cut in their tables, whole on hover.
	sara := login(t, base, "sara@example.com", "a-long-password")
	longName := strings.Repeat("Branch-office-", 8)[:100]
	sara.do("POST", "/api/v1/sessions", map[string]any{"session_name": longName}).must(t, http.StatusCreated, nil)
	longText := strings.Repeat("A long message that goes on and on without end. ", 8)
	{
		if shop, ok := sessionsByName(t, sara)["shop"]; ok {
			sara.do("POST", "/api/v1/messages/send", map[string]any{"session_id": shop.ID, "recipient": "+1 555 000 3333", "message": longText}).must(t, http.StatusCreated, nil)
		}
	}
	step("message log",
		chromedp.Click(css(`a[href="#/messages"]`)),
		chromedp.WaitVisible(css(`#f-direction`)),
		chromedp.SetValue(css(`#f-direction`), "outbound"),
		chromedp.Click(css(`form button[type="submit"]`)),
		// The filtered view, drawn anew with the filter chosen (the
		// unfiltered table may still show while it loads).
		chromedp.WaitReady(css(`#f-direction option[value="outbound"][selected]`)),
		chromedp.WaitVisible(css(`table tbody tr`)),
		shot("06-messages"))
	if rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("table tbody tr").length`)); err != nil || rows != 3+accountWalkOutbound {
		t.Fatalf("message log shows %d outbound rows (%v), want %d (delivered, failed, long, and the account walk's)", rows, err, 3+accountWalkOutbound)
	}
	if !eval("long message cut", `(() => { const w = document.querySelector(".table-wrap"); const c = [...document.querySelectorAll("td.text .clip")].find(c => c.title.length > 300);
		return w.scrollWidth <= w.clientWidth && !!c && c.scrollWidth > c.clientWidth && !!document.querySelector("td .badge"); })()`) {
		t.Error("the long message is not cut with its text on hover, or the table scrolls sideways")
	}
	if !eval("failed reason in the log", `[...document.querySelectorAll("table tbody tr")].some(r => r.querySelector(".badge.failed") && r.textContent.includes("not on WhatsApp"))`) {
		t.Error("the message log shows the failed message without its reason")
	}
	// Status and channels (after the log's count: they send messages).
	walkStoriesPages(t, base, step, eval, viewShot)
	// Stopped from its page, the session says why and offers Start again
	// (no Log out on a stopped session).
	step("stop the session",
		chromedp.Click(css(`a[href="#/sessions"]`)),
		chromedp.WaitVisible(find(`//tr[@data-session]//a[.="shop"]`)),
		chromedp.Click(find(`//tr[@data-session]//a[.="shop"]`)),
		chromedp.WaitVisible(css(`#session-actions button[data-action="stop"]`)),
		chromedp.Click(css(`#session-actions button[data-action="stop"]`)),
		chromedp.WaitVisible(css(`#session-status .badge.stopped`)),
		chromedp.WaitVisible(find(`//p[@id="session-reason"][contains(., "stopped")]`)),
		chromedp.WaitVisible(css(`#session-actions button[data-action="start"]`)),
		shot("06b-stopped"))
	if got := buttons("stopped buttons"); got != "start,delete" {
		t.Errorf("a stopped session offers %q, want start,delete", got)
	}
	step("overview in Arabic",
		chromedp.Click(css(`a[href="#/overview"]`)),
		chromedp.WaitVisible(css(`[role="progressbar"]`)),
		chromedp.Click(css(`#lang`)),
		chromedp.WaitVisible(find(`//h1[text()="نظرة عامة"]`)),
		chromedp.WaitVisible(css(`.chart .col`)),
		viewShot("07-overview-ar")) // a full-page capture of a right-to-left page comes out shifted
	// The chart has a y axis (top, middle, zero) and a date under each day.
	if !eval("chart axes", `document.querySelectorAll(".y-axis span").length === 3 && document.querySelector(".y-axis span:last-child").textContent === "0" &&
		document.querySelectorAll(".x-axis span").length === 14`) {
		t.Error("the overview chart has no axes or dates")
	}
	if !eval("rtl", `document.documentElement.dir === "rtl" && document.documentElement.lang === "ar"`) {
		t.Fatal("the Arabic page is not right-to-left")
	}
	if !eval("no sideways scroll", `document.documentElement.scrollWidth <= document.documentElement.clientWidth`) {
		t.Fatal("the Arabic page scrolls sideways")
	}
	// On a phone the links are behind a Menu button.
	step("phone menu",
		chromedp.EmulateViewport(390, 844),
		chromedp.WaitVisible(css(`#menu`)),
		chromedp.WaitNotVisible(css(`#nav a[href="#/sessions"]`)),
		chromedp.Click(css(`#menu`)),
		chromedp.WaitVisible(css(`#nav a[href="#/sessions"]`)),
		viewShot("08a-menu-ar-phone"),
		chromedp.Click(css(`#nav a[href="#/sessions"]`)),
		chromedp.WaitNotVisible(css(`#nav a[href="#/sessions"]`)))
	step("sessions in Arabic on a phone",
		chromedp.WaitVisible(css(`.badge.stopped`)),
		chromedp.WaitVisible(css(`td.status .reason`)),
		viewShot("08-sessions-ar-phone"))
	noSideways := `document.documentElement.scrollWidth <= document.documentElement.clientWidth && [...document.querySelectorAll(".table-wrap")].every(w => w.scrollWidth <= w.clientWidth)`
	if !eval("long name on a phone", noSideways) {
		t.Error("the sessions page scrolls sideways on a phone with a 100-character session name")
	}
	if !eval("long name hover", `[...document.querySelectorAll("tr[data-session] a.clip")].some(a => a.title === `+strconv.Quote(longName)+`)`) {
		t.Error("the cut session name does not show whole on hover")
	}
	// The server's refusal comes in Arabic, beside its field.
	step("an Arabic error",
		chromedp.SendKeys(css(`#session-name`), "   "),
		chromedp.Click(css(`form button[type="submit"]`)),
		chromedp.WaitVisible(css(`#session-name-error`)),
		viewShot("08b-error-ar-phone"))
	if got, err := chromedp.Run(ctx, chromedp.Text(css(`#session-name-error`))); err != nil || got != "أدخل اسم جلسة من 1 إلى 100 حرف." {
		t.Errorf("the session name's error in Arabic reads %q (%v)", got, err)
	}
	step("long session in Arabic on a phone",
		chromedp.Click(find(`//tr[@data-session]//a[@title=`+strconv.Quote(longName)+`]`)),
		chromedp.WaitVisible(css(`#session-actions`)),
		viewShot("08c-long-session-ar-phone"))
	if !eval("long session page on a phone", noSideways) {
		t.Error("the page of a session with a 100-character name scrolls sideways on a phone")
	}
	step("messages in Arabic on a phone",
		chromedp.Click(css(`#menu`)),
		chromedp.Click(css(`#nav a[href="#/messages"]`)),
		chromedp.WaitVisible(css(`table tbody tr`)),
		viewShot("08d-messages-ar-phone"))
	// Out points to where an Arabic line ends (left); numbers stay isolated.
	if !eval("arabic arrows", `[...document.querySelectorAll("tbody td.nowrap")].every(td => !td.textContent.includes("↗")) && document.querySelector("tbody td bdi[dir=auto]") !== null`) {
		t.Error("the Arabic message log keeps English arrows or does not isolate numbers")
	}
	if !eval("messages on a phone", noSideways) {
		t.Error("the message log scrolls sideways on a phone")
	}
	walkUserPagesInArabic(t, step, eval, text, viewShot)
	// Keyboard: every form control of the page has a label.
	if !eval("labels", `[...document.querySelectorAll("input, select, textarea")].every(i => i.labels && i.labels.length > 0)`) {
		t.Fatal("a form control has no label")
	}
	// The API docs render the OpenAPI document from embedded assets.
	step("api docs", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/docs"),
		chromedp.WaitVisible(css(`section.op#sendMessage`)), viewShot("09-api-docs"))
	if !eval("docs ops", `document.querySelectorAll("section.op").length >= 40 && document.querySelectorAll("#nav a").length >= 40`) {
		t.Fatal("the docs page shows fewer than 40 operations")
	}
	checkAPIDocs(t, eval)
	// An admin moves Sara to another plan from the tenants table.
	ops := login(t, base, "ops@example.com", "ops-password-123")
	ops.do("POST", "/api/v1/admin/plans", map[string]any{"id": "business", "name": "Business", "price_cents": 4900, "currency": "USD",
		"limits": map[string]any{"sessions": 10, "instances": 10, "messages_per_month": 100000, "webhooks": 10, "api_keys": 10,
			"requests_per_minute": 600, "media_bytes": 64 << 20}}).must(t, http.StatusCreated, nil)
	step("log out", chromedp.Navigate(base+"/app/"),
		chromedp.WaitVisible(css(`#logout`)),
		chromedp.Click(css(`#logout`)),
		chromedp.WaitVisible(css(`form input[name="email"]`)))
	step("admin logs in",
		chromedp.SendKeys(css(`#email`), "ops@example.com"),
		chromedp.SendKeys(css(`#password`), "ops-password-123"),
		chromedp.Click(css(`form button[type="submit"]`)),
		chromedp.WaitVisible(css(`#nav-admin`)))
	step("admin changes a plan",
		chromedp.Click(css(`#nav-admin a`)),
		chromedp.WaitVisible(css(`#plans tbody tr[data-plan="business"]`)),
		chromedp.WaitVisible(find(`//table[@id="tenants"]//span[@title="sara@example.com"]`)),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = [...document.querySelectorAll("#tenants tr")].find(r => r.textContent.includes("sara@example.com")).querySelector("select"); s.value = "business"; s.dispatchEvent(new Event("change")); })()`),
		// The change waits for a confirmation with a reason.
		chromedp.WaitVisible(css(`#a-confirm #a-reason`)),
		chromedp.SendKeys(css(`#a-reason`), "Upgrade asked by mail"),
		chromedp.Click(css(`#a-confirm button[type="submit"]`)),
		chromedp.WaitNotPresent(css(`#a-confirm form`)),
		viewShot("10-admin"))
	// Counts have thousands separators.
	if !eval("thousands", `document.querySelector('#plans tr[data-plan="business"]').textContent.includes("100,000")`) {
		t.Error("the plans table shows 100000 without a thousands separator")
	}
	var me struct {
		User struct {
			PlanID string `json:"plan_id"`
		} `json:"user"`
	}
	sara.do("GET", "/api/v1/auth/me", nil).must(t, http.StatusOK, &me)
	if me.User.PlanID != "business" {
		t.Fatalf("after the admin's change Sara is on plan %q, want business", me.User.PlanID)
	}
	if audit := ops.do("GET", "/api/v1/admin/audit", nil).must(t, http.StatusOK, nil); !strings.Contains(string(audit.Raw), "Upgrade asked by mail") {
		t.Errorf("the audit log lacks the reason given in the dashboard: %s", audit.Raw)
	}
	walkAdminPages(t, base, ops, sara, step, eval, text, viewShot)
	if os.Getenv("WAGW_UPDATE_DOCS") == "1" {
		step("docs screenshot",
			chromedp.EmulateViewport(1280, 800),
			chromedp.Evaluate[chromedp.Void](`localStorage.setItem("wagw.lang", "en")`),
			chromedp.Navigate(base+"/app/#/overview"),
			chromedp.Reload(),
			chromedp.WaitVisible(find(`//h1[text()="Overview"]`)),
			chromedp.WaitVisible(css(`[role="progressbar"]`)),
			chromedp.WaitVisible(css(`.chart .col`)),
			chromedp.Evaluate[chromedp.Void](`document.getElementById("toast").replaceChildren()`),
			func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
				png, err := chromedp.CaptureScreenshot()(ctx, tg)
				if err != nil {
					return chromedp.Void{}, err
				}
				return chromedp.Void{}, os.WriteFile(filepath.Join("..", "..", "docs", "dashboard.png"), png, 0o644)
			})
	}
}
