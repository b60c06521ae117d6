// Switchyard console: local times, and the overview's live updates (Server-Sent Events from /api/stream, with
// polling of the read API when the stream fails). No build step; loaded as a module under a strict CSP.

/** Shows every <time datetime> in the browser's zone, named, with UTC in its title. A datetime without a zone is not
 * guessed at: it is left as written. */
function localTimes(root = document) {
  for (const element of root.querySelectorAll("time[datetime]")) {
    const text = element.getAttribute("datetime");
    if (!text || !/(Z|[+-]\d{2}:\d{2})$/.test(text)) continue;
    const when = new Date(text.length > 24 ? text.replace(/(\.\d{3})\d+/, "$1") : text);
    if (Number.isNaN(when.getTime())) continue;
    element.title = when.toISOString().replace(".000Z", "Z") + " (UTC)";
    element.textContent = when.toLocaleString(undefined, { timeZoneName: "short" });
  }
}

/** Adds the events after the newest row of the overview's table. */
async function addNewEvents() {
  const body = document.querySelector('[data-live="recent"]');
  if (!body) return;
  const newest = Number(body.querySelector("tr[data-position]")?.dataset.position ?? 0);
  const response = await fetch(`/api/events?after=${newest}&limit=20`, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`events: ${response.status}`);
  const page = await response.json();
  if (page.items.length > 0) body.querySelector("tr[data-empty]")?.remove();
  for (const event of page.items) {
    const row = document.createElement("tr");
    row.dataset.position = String(event.position);
    const cells = [event.position, event.recorded_at, event.source, event.type, event.metadata?.["event-type"] ?? ""];
    cells.forEach((value, index) => {
      const cell = document.createElement("td");
      if (index === 0) {
        const link = document.createElement("a");
        link.href = `/console/events/${value}`;
        link.textContent = String(value);
        cell.append(link);
      } else if (index === 1) {
        const time = document.createElement("time");
        time.setAttribute("datetime", value);
        time.textContent = value;
        cell.append(time);
      } else {
        cell.textContent = String(value);
      }
      row.append(cell);
    });
    body.prepend(row);
    localTimes(row);
  }
  while (body.rows.length > 50) body.deleteRow(body.rows.length - 1);
}

function showHead(head) {
  const text = document.querySelector('[data-live="head"]');
  if (text) text.textContent = String(head.position);
  const link = document.querySelector('[data-live="head-link"]');
  if (link) link.href = `/console/events/${head.position}`;
  const hash = document.querySelector('[data-live="head-hash"]');
  if (hash && head.hash) hash.textContent = head.hash;
}

function showProjections(projections) {
  for (const projection of projections) {
    const row = document.querySelector(`tr[data-projection="${CSS.escape(projection.name)}"]`);
    if (!row) continue;
    for (const field of ["state", "checkpoint", "lag"]) {
      const cell = row.querySelector(`[data-field="${field}"]`);
      if (cell) cell.textContent = String(projection[field]);
    }
  }
}

function status(text) {
  const element = document.querySelector('[data-live="status"]');
  if (element) element.textContent = text;
}

/** Follows the log on the overview: the stream first; polling every 5 s if the stream fails three times. */
function followLive() {
  if (!document.querySelector('[data-live="recent"]')) return;
  let failures = 0;
  let polling = null;
  const poll = async () => {
    try {
      const response = await fetch("/api/projections", { credentials: "same-origin" });
      if (response.ok) {
        const page = await response.json();
        showHead({ position: page.head });
        showProjections(page.items);
      }
      await addNewEvents();
      status(`polling every 5 s (stream unavailable), updated ${new Date().toLocaleTimeString()}`);
    } catch (error) {
      status(`cannot reach the gateway: ${error.message}`);
    }
  };
  if (!("EventSource" in window)) {
    polling = setInterval(poll, 5000);
    return;
  }
  const source = new EventSource("/api/stream");
  source.addEventListener("open", () => { failures = 0; status("live"); });
  source.addEventListener("head", (message) => {
    showHead(JSON.parse(message.data));
    addNewEvents().catch((error) => status(`live; events not read: ${error.message}`));
  });
  source.addEventListener("projections", (message) => showProjections(JSON.parse(message.data)));
  source.addEventListener("error", () => {
    failures += 1;
    if (failures >= 3 && polling === null) {
      source.close();
      polling = setInterval(poll, 5000);
      poll();
    } else {
      status("reconnecting…");
    }
  });
}

localTimes();
followLive();
