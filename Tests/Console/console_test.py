#!/usr/bin/env python3
"""The console in a real browser: headless Chromium (Debian's chromium and chromium-driver) driven by Selenium
against a gateway on loopback, with a fake Lark bot on loopback that refuses every card.

Signs in, sees a webhook sent during the test appear on the overview without a reload, opens it in Events,
refunds part of a payment and sees the ledger change once Stripe's refund arrives, retries a dead action, signs
out; a read key sees no refund form or retry button, and a POST without the CSRF token is refused. Every page is
parsed by an HTML5 parser (no error), every chart has its table, and the browser shows no console error and no
failed request. Screenshots of each page at 1280x800 and 390x844 go to .build/console-screenshots/.

Usage: console_test.py GATEWAY_BINARY. Prints "N passed, 0 failed" at the end; exits non-zero on any failure.
Signatures are computed here from Stripe's and Intercom's documented schemes, never by the gateway.
"""
import copy, datetime, hashlib, hmac, http.cookiejar, http.server, json, os, re, shutil, subprocess, sys, tempfile, threading, time
import urllib.error, urllib.parse, urllib.request

import html5lib
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STRIPE_SECRET = "whsec_console_test_secret"
INTERCOM_SECRET = "console-test-intercom-secret"
READ_KEY = "console-read-key-0123456789"
ADMIN_KEY = "console-admin-key-0123456789"
SHOTS = os.path.join(ROOT, ".build", "console-screenshots")
passed = 0


def check(condition, what):
    global passed
    if not condition:
        raise AssertionError(what)
    passed += 1


def wait_until(predicate, what, timeout=15.0):
    """Polls `predicate` until it returns something truthy; fails saying what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


class FakeLark(http.server.BaseHTTPRequestHandler):
    """A Lark bot that answers 200 with Lark's error body for a bad signature (code 19021), as Lark does."""
    calls = 0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        FakeLark.calls += 1
        body = json.dumps({"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time", "data": {}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def fixture(name):
    with open(os.path.join(ROOT, "fixtures", name)) as f:
        return json.load(f)


def stripe_event(name, event_id, changes):
    """A Stripe fixture (API version 2024-06-20 shapes) with a new id, `created` now, and `changes` on its object."""
    event = copy.deepcopy(fixture(f"stripe/{name}"))
    event["id"] = event_id
    event["created"] = int(time.time())
    event["data"]["object"].update(changes)
    return json.dumps(event, separators=(",", ":")).encode()


def post(base, path, body, headers):
    request = urllib.request.Request(base + path, data=body, headers={"Content-Type": "application/json", **headers}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def send_stripe(base, body):
    """Signs `body` as Stripe does: v1 = HMAC-SHA256 of "t.body" with the endpoint secret."""
    t = str(int(time.time()))
    signature = hmac.new(STRIPE_SECRET.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    status, answer = post(base, "/webhooks/stripe", body, {"Stripe-Signature": f"t={t},v1={signature}"})
    check(status == 200 and answer.get("status") == "accepted", f"Stripe webhook accepted: {status} {answer}")
    return answer["position"]


def send_intercom(base, body):
    """Signs `body` as Intercom does: X-Hub-Signature = sha1= HMAC-SHA1 of the body with the client secret."""
    signature = hmac.new(INTERCOM_SECRET.encode(), body, hashlib.sha1).hexdigest()
    status, answer = post(base, "/webhooks/intercom", body, {"X-Hub-Signature": f"sha1={signature}"})
    check(status == 200, f"Intercom webhook accepted: {status} {answer}")
    return answer["position"]


class Session:
    """A console session outside the browser, for HTML validation and forged requests."""

    def __init__(self, base, key):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        page = self.get("/console/sign-in")
        token = re.search(r'name="sign_in_token" value="([0-9a-f]+)"', page).group(1)
        self.post_form("/console/sign-in", {"sign_in_token": token, "key": key, "next": "/console"})

    def get(self, path):
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post_form(self, path, fields):
        data = urllib.parse.urlencode(fields).encode()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=data, method="POST"), timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def validate_html(name, html):
    parser = html5lib.HTMLParser(strict=True)
    try:
        document = parser.parse(html)
    except Exception as error:
        line = html.splitlines()[max(0, parser.errors[0][0][0] - 1)] if parser.errors else ""
        raise AssertionError(f"{name}: not valid HTML5: {error}; near: {line[:200]}")
    check(not parser.errors, f"{name}: HTML5 parse errors {parser.errors[:3]}")
    charts = html.count('<svg class="chart"')
    pairs = re.findall(r'<div class="chart-pair">(.*?)</div>\s*(?=<div class="chart-pair">|</section>|<h3>|$)', html, re.S)
    for index in range(charts):
        segment = html.split('<svg class="chart"')[index + 1].split('<div class="chart-pair">')[0]
        check("<table" in segment, f"{name}: chart {index + 1} has its table beside it")
    return document


def main():
    gateway = sys.argv[1]
    work = tempfile.mkdtemp(prefix="switchyard-console-")
    processes = []
    lark = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeLark)
    threading.Thread(target=lark.serve_forever, daemon=True).start()
    config = {
        "host": "127.0.0.1", "port": 0, "dataDir": os.path.join(work, "data"),
        "stripe": {"secrets": [STRIPE_SECRET]}, "intercom": {"secrets": [INTERCOM_SECRET]},
        "apiKeys": [READ_KEY], "adminKeys": [ADMIN_KEY], "rateLimit": {"perSecond": 0},
        "sources": [{"name": "intercom-monitor", "kind": "intercom", "paths": ["/webhook/intercom"], "secrets": [INTERCOM_SECRET]}],
        "actions": {
            "mode": "sandbox", "retrySchedule": [0],
            "lark": {"mode": "live", "intercomTeamId": "5372074", "bots": [{"name": "support", "url": f"http://127.0.0.1:{lark.server_port}/hook"}]},
        },
    }
    config_path = os.path.join(work, "config.json")
    with open(config_path, "w") as f:
        json.dump(config, f)
    driver = None
    try:
        log = open(os.path.join(work, "gateway.log"), "w+")
        process = subprocess.Popen([gateway, "--config", config_path], stdout=log, stderr=subprocess.STDOUT)
        processes.append(process)

        def port():
            log.seek(0)
            match = re.search(r'gateway listening.*?"port":"?(\d+)', log.read())
            return match and int(match.group(1))

        base = f"http://127.0.0.1:{wait_until(port, 'the gateway to log its port', 60)}"

        # Traffic before the browser: a payment of 50.00 BRL, and an Intercom assignment whose Lark card is refused (dead).
        payment_id = "pi_console_test_1"
        send_stripe(base, stripe_event("payment_intent.succeeded.json", "evt_console_pi_1", {"id": payment_id, "amount": 5000, "amount_received": 5000, "created": int(time.time())}))
        assigned = copy.deepcopy(fixture("intercom/conversation.admin.assigned.json"))
        assigned["id"] = "notif_console_1"
        send_intercom(base, json.dumps(assigned, separators=(",", ":")).encode())
        admin_api = {"Authorization": f"Bearer {ADMIN_KEY}"}

        def dead_action():
            request = urllib.request.Request(base + "/api/actions?status=dead", headers=admin_api)
            with urllib.request.urlopen(request, timeout=10) as response:
                items = json.loads(response.read())["items"]
            return items[0]["id"] if items else None

        dead_id = wait_until(dead_action, "the refused Lark card to be dead", 30)

        options = Options()
        options.add_argument("--headless=new")
        options.add_argument("--no-sandbox")
        options.add_argument("--disable-dev-shm-usage")
        options.add_argument("--window-size=1280,800")
        options.add_argument("--lang=en-US")
        # No network but loopback: every other host resolves nowhere.
        options.add_argument("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
        options.add_argument("--proxy-server=127.0.0.1:9")
        options.add_argument("--proxy-bypass-list=127.0.0.1")
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
        driver.set_page_load_timeout(30)
        # A browser in Tokyo (UTC+9): every time the console shows must carry its zone and be converted right.
        driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Tokyo"})
        wait = WebDriverWait(driver, 15)
        os.makedirs(SHOTS, exist_ok=True)
        problems = []

        def collect_logs(expected_statuses=()):
            for entry in driver.get_log("browser"):
                if entry["level"] == "SEVERE":
                    problems.append(f"console: {entry['message']}")
            for entry in driver.get_log("performance"):
                message = json.loads(entry["message"])["message"]
                if message["method"] == "Network.responseReceived":
                    response = message["params"]["response"]
                    if response["status"] >= 400 and response["status"] not in expected_statuses:
                        problems.append(f"request {response['url']}: {response['status']}")
                elif message["method"] == "Network.loadingFailed" and not message["params"].get("canceled"):
                    problems.append(f"request failed: {message['params'].get('errorText')}")

        def shoot(name):
            for width, height in ((1280, 800), (390, 844), (360, 740)):
                driver.set_window_size(width, height)
                driver.save_screenshot(os.path.join(SHOTS, f"{name}-{width}x{height}.png"))
                # No page scrolls sideways: a wide table scrolls inside its own frame.
                wide = driver.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
                if wide[0] > wide[1]:
                    problems.append(f"{name} at {width} px is {wide[0]} px wide")
            driver.set_window_size(1280, 800)

        # Sign in.
        driver.get(base + "/")
        wait.until(lambda d: "/console/sign-in" in d.current_url)
        shoot("sign-in")
        driver.find_element(By.ID, "key").send_keys(ADMIN_KEY)
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wait.until(lambda d: d.current_url.rstrip("/").endswith("/console"))
        check(driver.find_element(By.TAG_NAME, "h1").text == "Overview", "signed in to the overview")
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, '[data-live="status"]').text == "live")

        # A webhook sent now appears without a reload.
        position = send_stripe(base, stripe_event("payment_intent.succeeded.json", "evt_console_live_1", {"id": "pi_console_live_1", "created": int(time.time())}))
        try:
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f'[data-live="recent"] tr[data-position="{position}"]'))
        except TimeoutException:
            raise AssertionError(f"the overview did not show event {position} without a reload")
        check(driver.find_element(By.CSS_SELECTOR, '[data-live="head"]').text == str(position), "the live head follows the log")
        check(driver.execute_script("return performance.getEntriesByType('navigation').length") == 1, "no reload happened")
        shoot("overview")

        # Open it in Events.
        driver.find_element(By.LINK_TEXT, "Events").click()
        wait.until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Events")
        shoot("events")
        driver.find_element(By.LINK_TEXT, str(position)).click()
        wait.until(lambda d: d.find_element(By.TAG_NAME, "h1").text == f"Event {position}")
        page = driver.find_element(By.TAG_NAME, "main").text
        check("verified" in page and "evt_console_live_1" in page, "the event shows its payload and a verified signature")
        shoot("event")

        # Refund part of the payment, with the confirmation step.
        driver.get(f"{base}/console/payments/{payment_id}")
        check("50.00 BRL" in driver.find_element(By.CSS_SELECTOR, '[data-field="refundable"]').text, "50.00 BRL is refundable")
        times = driver.find_elements(By.CSS_SELECTOR, "main time[datetime]")
        check(times, "the payment page shows times")
        for element in times:
            at = datetime.datetime.fromisoformat(element.get_attribute("datetime").replace("Z", "+00:00"))
            tokyo = at.astimezone(datetime.timezone(datetime.timedelta(hours=9)))
            shown = element.text
            check("GMT+9" in shown and f"{tokyo.hour % 12 or 12}:{tokyo.minute:02d}" in shown,
                  f"a time shown in Tokyo carries its zone and reads {tokyo:%H:%M}: {shown!r} for {at.isoformat()}")
        shoot("payment")
        driver.find_element(By.ID, "amount").send_keys("12.34")
        driver.find_element(By.CSS_SELECTOR, "form.refund button").click()
        wait.until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Confirm refund")
        check(driver.find_element(By.CSS_SELECTOR, '[data-field="remaining-after"]').text == "37.66 BRL", "the confirmation shows what remains")
        shoot("refund-confirm")
        confirmation = driver.execute_script(
            "const form = document.querySelector('main form'); return [form.action, Object.fromEntries(new FormData(form))]")
        driver.find_element(By.CSS_SELECTOR, "main form button").click()
        wait.until(lambda d: "refunded=" in d.current_url)
        refunded_url = driver.current_url
        check("37.66 BRL" in driver.find_element(By.CSS_SELECTOR, '[data-field="refundable"]').text, "the refund is held against the payment")
        # The confirmation submitted again (a double click, a browser's retry): the first refund's page, nothing more.
        again = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0], {method: 'POST', body: new URLSearchParams(arguments[1]), credentials: 'same-origin'})"
            ".then(response => done(response.url), error => done(String(error)))", confirmation[0], confirmation[1])
        check(again == refunded_url, f"a second submit shows the first refund: {again} (first {refunded_url})")
        driver.refresh()
        check("37.66 BRL" in driver.find_element(By.CSS_SELECTOR, '[data-field="refundable"]').text, "a second submit refunds nothing more")
        # Stripe's refund arrives (as Stripe sends it); the ledger books it.
        send_stripe(base, stripe_event("refund.created.json", "evt_console_re_1", {
            "id": "re_console_1", "amount": 1234, "payment_intent": payment_id, "charge": "ch_console_1", "status": "succeeded", "created": int(time.time())}))
        driver.get(base + "/console/payments")

        def refunded_today(d):
            d.refresh()
            cells = d.find_elements(By.CSS_SELECTOR, 'table[data-ledger="BRL"] [data-field="refunded"]')
            return any(cell.text == "12.34 BRL" for cell in cells)

        wait_until(lambda: refunded_today(driver), "the ledger to book the 12.34 BRL refund")
        shoot("payments")

        # Retry the dead action.
        driver.get(base + "/console/actions")
        row = driver.find_element(By.CSS_SELECTOR, f'tr[data-action="{dead_id}"]')
        answer = row.find_element(By.CSS_SELECTOR, "details.answer")
        answer.find_element(By.TAG_NAME, "summary").click()
        check("HTTP 200" in answer.text and "19021" in answer.text, f"a dead action shows the target's answer: {answer.text!r}")
        calls = FakeLark.calls
        row.find_element(By.CSS_SELECTOR, "button").click()
        wait.until(lambda d: "retried=" in d.current_url)
        check(dead_id in driver.find_element(By.CSS_SELECTOR, ".notice").text, "the retry is confirmed")
        wait_until(lambda: FakeLark.calls > calls, "the dispatcher to call the Lark bot again")
        shoot("actions")

        # A source defined through the admin API shows beside the config file's, with its rotation state.
        request = urllib.request.Request(base + "/api/sources", method="POST", headers={**admin_api, "Content-Type": "application/json"},
                                         data=json.dumps({"name": "agent-42", "kind": "hmac", "paths": ["/webhooks/agent/agent_42"],
                                                          "hmac": {"header": "X-Signature", "prefix": "sha256="}}).encode())
        with urllib.request.urlopen(request, timeout=10) as response:
            check(response.status == 201, f"a source is defined through the API: {response.status}")
        driver.get(base + "/console/sources")
        rows = {row.get_attribute("data-source"): row.text for row in driver.find_elements(By.CSS_SELECTOR, "tr[data-source]")}
        check("/webhook/intercom" in rows.get("intercom-monitor", "") and "config file" in rows.get("intercom-monitor", ""),
              f"the config file's source is listed with its path: {rows}")
        check("/webhooks/agent/agent_42" in rows.get("agent-42", "") and "1 valid" in rows.get("agent-42", ""),
              f"the API's source is listed with its secrets' state: {rows}")
        shoot("sources")

        for name, path in (("leads", "/console/leads"), ("projections", "/console/projections"),
                           ("as-of", f"/console/as-of?kind=payment&id={payment_id}&position=2")):
            driver.get(base + path)
            wait.until(lambda d: d.find_element(By.TAG_NAME, "h1"))
            shoot(name)
        check("It did not exist yet." not in driver.find_element(By.TAG_NAME, "main").text, "as of position 2 the payment exists")

        collect_logs()
        # Sign out.
        driver.find_element(By.CSS_SELECTOR, "form.sign-out button").click()
        wait.until(lambda d: "/console/sign-in" in d.current_url)
        driver.get(base + "/console/payments")
        check("/console/sign-in" in driver.current_url, "signed out: pages ask to sign in again")

        # A read key: no refund form, no retry button; the admin routes refuse it.
        driver.find_element(By.ID, "key").send_keys(READ_KEY)
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wait.until(lambda d: "/console/payments" in d.current_url)
        driver.get(f"{base}/console/payments/{payment_id}")
        check(not driver.find_elements(By.CSS_SELECTOR, "form.refund"), "a read key sees no refund form")
        driver.get(base + "/console/actions")
        check(not driver.find_elements(By.CSS_SELECTOR, "tr[data-action] button"), "a read key sees no retry button")
        collect_logs()
        check(not problems, f"no console error or failed request in the page: {problems}")

        reader = Session(base, READ_KEY)
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', reader.get("/console")).group(1)
        status, _ = reader.post_form(f"/console/payments/{payment_id}/refund", {"csrf": csrf, "amount": "1"})
        check(status == 403, f"a read key's refund is refused: {status}")
        admin = Session(base, ADMIN_KEY)
        status, _ = admin.post_form(f"/console/payments/{payment_id}/refund", {"amount": "1", "confirm": "yes"})
        check(status == 403, f"a refund without the CSRF token is refused: {status}")
        status, _ = admin.post_form(f"/console/payments/{payment_id}/refund", {"csrf": "0" * 64, "amount": "1", "confirm": "yes"})
        check(status == 403, f"a refund with a forged CSRF token is refused: {status}")
        status, _ = admin.post_form(f"/console/actions/{dead_id}/retry", {})
        check(status == 403, f"a retry without the CSRF token is refused: {status}")

        # Every page is valid HTML5 with a table beside each chart.
        for name, path in (("overview", "/console"), ("events", "/console/events"), ("event", f"/console/events/{position}"),
                           ("payments", "/console/payments"), ("payment", f"/console/payments/{payment_id}"),
                           ("leads", "/console/leads"), ("actions", "/console/actions"), ("projections", "/console/projections"),
                           ("sources", "/console/sources"),
                           ("as-of", f"/console/as-of?kind=payment&id={payment_id}&position=2"), ("error", "/console/events/999999")):
            try:
                html = admin.get(path)
            except urllib.error.HTTPError as error:
                html = error.read().decode()
            validate_html(name, html)
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', admin.get(f"/console/payments/{payment_id}")).group(1)
        status, html = admin.post_form(f"/console/payments/{payment_id}/refund", {"csrf": csrf, "amount": "1"})
        check(status == 200, f"the confirmation page answers: {status}")
        validate_html("refund-confirm", html)
        validate_html("sign-in", urllib.request.urlopen(base + "/console/sign-in", timeout=10).read().decode())
    except Exception:
        for process in processes:
            process.terminate()
        log_path = os.path.join(work, "gateway.log")
        if os.path.exists(log_path):
            sys.stderr.write("gateway log (last lines):\n" + "".join(open(log_path).readlines()[-30:]))
        raise
    finally:
        if driver is not None:
            driver.quit()
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        lark.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    print(f"console: {passed} passed, 0 failed")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as failure:
        print(f"console: FAILED: {failure}", file=sys.stderr)
        print(f"console: {passed} passed, 1 failed")
        sys.exit(1)
