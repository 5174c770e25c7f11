// The web map: a guest logs in, walks by clicking the map, sees spawns, stops and gyms,
// encounters and throws, spins, and lists the collection. Rule numbers (ranges, rate
// limits, travel cooldown) come from GET /v1/game-data. Everything a script needs to find
// is in the DOM: data-* attributes on #player, #map, the lists and the markers.
import { Api } from "./api.js";
import { distanceM, formatDuration, stepToward, travelCooldownMs } from "./geo.js";

const L = window.L;
if (!L) {
  const li = document.createElement("li");
  li.className = "error";
  li.textContent = "Leaflet did not load (vendor/leaflet/leaflet.js): run `make web-deps`, "
    + "or `make web-dist` for a static copy";
  document.getElementById("log").append(li);
  document.getElementById("login").disabled = true;
  throw new Error("Leaflet is missing");
}
const query = new URLSearchParams(location.search);
const settings = { ...window.GEOCRITTERS_CONFIG };
for (const name of ["api", "tiles", "tileUrl"]) {
  if (query.has(name)) settings[name] = query.get(name);
}
const start = {
  lat: Number(query.get("lat") ?? settings.start.lat),
  lng: Number(query.get("lng") ?? settings.start.lng),
};
// No base URL: this page's own origin (the dev server serves both at one address).
const api = new Api(settings.api || location.origin);

const TICK_MS = 250;
const IDLE_REFRESH_MS = 10000; // the map is re-read at least this often while idle
const MIN_REFRESH_MOVE_M = 10; // moves shorter than this wait for the idle refresh
const TEAM_COLOURS = { red: "#d50000", blue: "#2962ff", yellow: "#ffd600" };

const $ = (id) => document.getElementById(id);
const state = {
  rules: null,
  species: new Map(),
  at: { ...start },
  target: null,
  lastMap: null, // {at, ms}: the position and time of the last map read
  mapInFlight: false,
  notBeforeMs: 0, // 429 Retry-After on the map
  serverOffsetMs: 0,
  lastAction: null, // {lat, lng, ms}: the last cooldown-triggering action (server time)
  refusedUntilMs: 0, // a travel_cooldown refusal's Retry-After (server time)
  spawns: new Map(),
  stops: new Map(),
  gyms: new Map(),
  items: {},
  encounter: null,
  busy: false,
  cursor: null,
};

// ---------- log ----------
function log(text, kind = "info") {
  const li = document.createElement("li");
  li.className = kind;
  li.textContent = text;
  $("log").prepend(li);
  while ($("log").children.length > 40) $("log").lastChild.remove();
}

function refusal(what, answer) {
  const error = answer.body && answer.body.error;
  const wait = answer.retryAfterS ? ` (retry in ${answer.retryAfterS} s)` : "";
  log(`${what}: ${answer.status} ${error ? `${error.code}: ${error.message}` : ""}${wait}`, "error");
}

// ---------- the map ----------
const map = L.map("map", { zoomControl: true }).setView([start.lat, start.lng], 17);

// The offline background: a grid drawn in canvas tiles, under the tile layer, so the map
// stays readable (and pans and zooms) with no tile server at all.
const Grid = L.GridLayer.extend({
  createTile(coords) {
    const tile = document.createElement("canvas");
    const size = this.getTileSize();
    tile.width = size.x;
    tile.height = size.y;
    const g = tile.getContext("2d");
    g.fillStyle = "#eef2ea";
    g.fillRect(0, 0, size.x, size.y);
    g.strokeStyle = "#d7dfd0";
    g.lineWidth = 1;
    for (let i = 64; i < size.x; i += 64) {
      g.beginPath(); g.moveTo(i + 0.5, 0); g.lineTo(i + 0.5, size.y); g.stroke();
      g.beginPath(); g.moveTo(0, i + 0.5); g.lineTo(size.x, i + 0.5); g.stroke();
    }
    g.strokeStyle = "#c3ccbb";
    g.strokeRect(0.5, 0.5, size.x, size.y);
    g.fillStyle = "#b0b9a8";
    g.font = "10px sans-serif";
    g.fillText(`${coords.z}/${coords.x}/${coords.y}`, 4, 12);
    return tile;
  },
});
new Grid({ zIndex: 0 }).addTo(map);

function setTiles(mode, why) {
  $("map").dataset.tiles = mode;
  if (why) log(why);
}

function startTiles() {
  const mode = settings.tiles || "auto";
  if (mode === "off") {
    setTiles("off");
    return;
  }
  const layer = L.tileLayer(settings.tileUrl, {
    maxZoom: 19, attribution: settings.tileAttribution, zIndex: 1,
  });
  let loaded = 0;
  let failed = 0;
  layer.on("tileload", () => {
    loaded += 1;
    if ($("map").dataset.tiles !== "osm") setTiles("osm");
  });
  layer.on("tileerror", () => {
    failed += 1;
    // Nothing loaded and tiles fail: the tile server is out of reach, draw the grid
    // only (and stop asking). One good tile keeps the layer: a few errors are weather.
    if (mode === "auto" && loaded === 0 && failed >= 2 && map.hasLayer(layer)) {
      map.removeLayer(layer);
      setTiles("offline", "map tiles unreachable: drawing a grid instead (offline mode)");
    }
  });
  layer.addTo(map);
  if (mode === "auto") {
    // A tile server that never answers produces no error either.
    setTimeout(() => {
      if (loaded === 0 && map.hasLayer(layer)) {
        map.removeLayer(layer);
        setTiles("offline", "map tiles did not load: drawing a grid instead (offline mode)");
      }
    }, 6000);
  }
}
startTiles();

function dotIcon(kind, id, colour, label = "", extra = "", state = "") {
  return L.divIcon({
    className: `gc-marker gc-${kind}${state ? ` ${state}` : ""}`,
    iconSize: [22, 22],
    iconAnchor: [11, 11],
    html: `<div class="gc-dot" data-kind="${kind}" data-id="${id}" style="background:${colour}">${label}</div>${extra}`,
  });
}

const player = L.marker([start.lat, start.lng], {
  icon: dotIcon("player", "me", "#00c853", "&#9679;"), zIndexOffset: 1000, keyboard: false,
});
let encounterRing = null;
let interactRing = null;
let targetLine = null;

map.on("click", (event) => {
  if (!api.token) return;
  walkTo({ lat: event.latlng.lat, lng: event.latlng.lng });
});

function walkTo(point) {
  state.target = { lat: point.lat, lng: point.lng };
  const speed = Number($("speed").value);
  const d = distanceM(state.at, state.target);
  log(speed > 0 ? `walking ${Math.round(d)} m at ${speed} km/h` : `jumping ${Math.round(d)} m`);
  if (speed === 0) {
    moveTo(state.target);
    state.target = null;
  }
  drawPlayer();
}

function moveTo(point) {
  state.at = { lat: point.lat, lng: point.lng };
  drawPlayer();
}

function drawPlayer() {
  const ll = [state.at.lat, state.at.lng];
  player.setLatLng(ll);
  // Follow the player once it nears the edge of the view.
  if (map.hasLayer(player) && !map.getBounds().pad(-0.15).contains(ll)) map.panTo(ll);
  encounterRing?.setLatLng(ll);
  interactRing?.setLatLng(ll);
  if (state.target) {
    const path = [ll, [state.target.lat, state.target.lng]];
    if (targetLine) targetLine.setLatLngs(path);
    else targetLine = L.polyline(path, { color: "#00c853", dashArray: "4 6", weight: 2 }).addTo(map);
  } else if (targetLine) {
    targetLine.remove();
    targetLine = null;
  }
  const box = $("player");
  box.dataset.lat = state.at.lat.toFixed(6);
  box.dataset.lng = state.at.lng.toFixed(6);
  box.dataset.moving = String(Boolean(state.target));
  $("position").textContent = `at ${state.at.lat.toFixed(5)}, ${state.at.lng.toFixed(5)}`
    + (state.target ? ` → ${Math.round(distanceM(state.at, state.target))} m to go` : "");
}

// ---------- time and travel ----------
const serverNow = () => Date.now() + state.serverOffsetMs;

function cooldownLeftMs() {
  const now = serverNow();
  let left = Math.max(0, state.refusedUntilMs - now);
  if (state.lastAction && state.rules) {
    const moved = distanceM(state.lastAction, state.at);
    left = Math.max(left, state.lastAction.ms + travelCooldownMs(moved, state.rules.travel_cooldown) - now);
  }
  return left;
}

function actionDone() {
  state.lastAction = { lat: state.at.lat, lng: state.at.lng, ms: serverNow() };
}

function drawTravel() {
  const left = cooldownLeftMs();
  $("player").dataset.cooldownMs = String(Math.round(left));
  const since = state.lastAction ? ` (${(distanceM(state.lastAction, state.at) / 1000).toFixed(2)} km from the last action)` : "";
  $("travel").textContent = left > 0
    ? `travel cooldown: ${formatDuration(left)}${since}: catching and spinning wait`
    : `no travel cooldown${since}`;
  $("travel").className = left > 0 ? "warn" : "";
}

// ---------- world objects ----------
function speciesName(id) {
  return state.species.get(id)?.name ?? `#${id}`;
}

function keyedList(listId, objects, render) {
  // Update rows in place, keyed by id, so a button under the pointer is not replaced
  // between press and release.
  const list = $(listId);
  const seen = new Set();
  for (const object of objects) {
    seen.add(object.id);
    let li = list.querySelector(`li[data-id="${CSS.escape(object.id)}"]`);
    if (!li) {
      li = document.createElement("li");
      li.dataset.id = object.id;
      list.append(li);
    }
    render(li, object);
  }
  for (const li of [...list.children]) if (!seen.has(li.dataset.id)) li.remove();
}

// Buttons lead the row, so text that changes every tick (distances, countdowns) never
// moves them.
function button(li, action, label) {
  let b = li.querySelector(`button[data-action="${action}"]`);
  if (!b) {
    b = document.createElement("button");
    b.type = "button";
    b.dataset.action = action;
    b.dataset.id = li.dataset.id;
    b.textContent = label;
    const span = li.querySelector("span.what");
    if (span) span.before(b);
    else li.append(b);
  }
  return b;
}

function text(li, value) {
  let span = li.querySelector("span.what");
  if (!span) {
    span = document.createElement("span");
    span.className = "what";
    li.append(span);
  }
  if (span.textContent !== value) span.textContent = value;
}

function syncMarkers(store, objects, icon, popup) {
  const seen = new Set();
  for (const object of objects) {
    seen.add(object.id);
    let marker = store.get(object.id)?.marker;
    if (!marker) {
      marker = L.marker([object.lat, object.lng], { keyboard: false }).addTo(map);
      marker.on("click", () => walkTo(object));
    }
    // A new icon is a new DOM element: only when it looks different, so a marker under
    // the pointer (or a script's locator) survives the map's refreshes.
    const look = icon(object);
    const signature = look.options.className + look.options.html;
    if (marker.signature !== signature) {
      marker.setIcon(look);
      marker.signature = signature;
    }
    if (marker.getTooltip()) marker.setTooltipContent(popup(object));
    else marker.bindTooltip(popup(object));
    store.set(object.id, { ...object, marker });
  }
  for (const [id, entry] of store) {
    if (!seen.has(id)) {
      entry.marker.remove();
      store.delete(id);
    }
  }
}

function gymLine(gym) {
  const team = gym.team ?? "neutral";
  let raid = "";
  if (gym.raid) {
    const now = serverNow();
    raid = gym.raid.phase === "egg"
      ? `, tier ${gym.raid.tier} raid egg hatches in ${formatDuration(gym.raid.hatch_ms - now)}`
      : `, tier ${gym.raid.tier} raid: ${speciesName(gym.raid.boss_species)} CP ${gym.raid.boss_cp}, ends in ${formatDuration(gym.raid.end_ms - now)}`;
  }
  return `${gym.name}: ${team}, ${gym.free_slots} free slot(s)${raid}`;
}

function applyMap(seen) {
  syncMarkers(state.spawns, seen.spawns,
    (s) => dotIcon("spawn", s.id, "#ff6d00", s.boosted ? "&#9733;" : ""),
    (s) => `${speciesName(s.species)}${s.boosted ? " (weather boosted)" : ""}`);
  // A read sent before a spin answers with the stop's earlier cooldown: cooldowns only
  // move forward, so the later of the two stands.
  const stops = seen.stops.map((s) => ({
    ...s, cooldown_until_ms: Math.max(s.cooldown_until_ms, state.stops.get(s.id)?.cooldown_until_ms ?? 0),
  }));
  syncMarkers(state.stops, stops,
    (s) => dotIcon("stop", s.id, "#00b8d4", "", "", s.cooldown_until_ms > serverNow() ? "cooling" : ""),
    (s) => s.name);
  syncMarkers(state.gyms, seen.gyms,
    (g) => dotIcon("gym", g.id, TEAM_COLOURS[g.team] ?? "#9e9e9e", "&#9650;",
      g.raid ? `<div class="gc-raid" data-phase="${g.raid.phase}">${g.raid.tier}</div>` : ""),
    gymLine);
  $("radar").textContent = seen.nearby.length
    ? `nearby: ${seen.nearby.map((n) => speciesName(n.species)).join(", ")}` : "";
  const w = seen.weather;
  $("weather").textContent = w ? `weather ${w.kind.replace("_", " ")} (boosts ${w.boosted_types.join(", ")})` : "";
  drawWorld();
}

function drawWorld() {
  if (!state.rules) return;
  const ranges = state.rules.ranges;
  const cooling = cooldownLeftMs() > 0;
  const now = serverNow();
  const byDistance = (store) => [...store.values()]
    .map((o) => ({ ...o, d: distanceM(state.at, o) })).sort((a, b) => a.d - b.d);
  keyedList("spawns", byDistance(state.spawns), (li, s) => {
    li.className = "spawn";
    li.dataset.distanceM = String(Math.round(s.d));
    li.dataset.species = String(s.species);
    li.dataset.despawnInMs = String(Math.max(0, s.despawn_ms - now));
    text(li, `${speciesName(s.species)} ${Math.round(s.d)} m, gone in ${formatDuration(s.despawn_ms - now)} `);
    button(li, "walk", "Go");
    const b = button(li, "encounter", "Encounter");
    b.disabled = s.d > ranges.encounter_radius_m || state.busy || Boolean(state.encounter);
    b.title = s.d > ranges.encounter_radius_m ? `come within ${ranges.encounter_radius_m} m` : "";
  });
  keyedList("stops", byDistance(state.stops), (li, s) => {
    const left = s.cooldown_until_ms - now;
    li.className = "stop";
    li.dataset.distanceM = String(Math.round(s.d));
    li.dataset.cooldownMs = String(Math.max(0, left));
    text(li, `${s.name} ${Math.round(s.d)} m${left > 0 ? `, spun (again in ${formatDuration(left)})` : ""} `);
    button(li, "walk", "Go");
    const b = button(li, "spin", "Spin");
    b.disabled = s.d > ranges.fort_interact_radius_m || left > 0 || cooling || state.busy;
    b.title = s.d > ranges.fort_interact_radius_m ? `come within ${ranges.fort_interact_radius_m} m` : "";
  });
  keyedList("gyms", byDistance(state.gyms), (li, g) => {
    li.className = "gym";
    li.dataset.distanceM = String(Math.round(g.d));
    li.dataset.team = g.team ?? "";
    li.dataset.raid = g.raid ? g.raid.phase : "";
    text(li, `${gymLine(g)}; ${Math.round(g.d)} m `);
    button(li, "walk", "Go");
  });
  const t = $("throw");
  t.disabled = !state.encounter || state.busy || cooling;
}

// ---------- calls ----------
async function refreshMap() {
  state.mapInFlight = true;
  const at = { ...state.at };
  const answer = await api.map(at);
  state.mapInFlight = false;
  state.lastMap = { at, ms: Date.now() };
  if (answer.status === 429) {
    state.notBeforeMs = Date.now() + Math.max(1, answer.retryAfterS) * 1000;
    refusal("map", answer);
    return;
  }
  if (answer.status === 401) return loggedOut();
  if (answer.status !== 200) return refusal("map", answer);
  state.serverOffsetMs = answer.body.server_ms - Date.now();
  applyMap(answer.body);
}

async function refreshProfile() {
  const [me, items] = await Promise.all([api.me(), api.items()]);
  if (me.status !== 200) return refusal("profile", me);
  if (items.status === 200) state.items = items.body.items;
  const p = me.body;
  $("profile").textContent = `${p.name} · level ${p.level} · ${p.xp} XP · ${p.stardust} stardust`
    + ` · ${state.items.ball ?? 0} balls${p.team ? ` · team ${p.team}` : ""}`;
  const ballSelect = $("ball");
  const chosen = ballSelect.value || "ball";
  ballSelect.replaceChildren(...["ball", "great_ball", "ultra_ball"].map((name) => {
    const option = new Option(`${name.replace("_", " ")} (${state.items[name] ?? 0})`, name);
    option.disabled = !state.items[name];
    return option;
  }));
  ballSelect.value = state.items[chosen] ? chosen : "ball";
}

async function startEncounter(spawnId) {
  state.busy = true;
  const answer = await api.encounter(spawnId, state.at);
  state.busy = false;
  if (answer.status !== 201) {
    refusal("encounter", answer);
    return;
  }
  const e = answer.body;
  state.encounter = e;
  const box = $("encounter");
  box.hidden = false;
  box.dataset.encounterId = e.encounter_id;
  box.dataset.outcome = "";
  $("encounter-title").textContent = `${e.species_name ?? speciesName(e.species)} CP ${e.cp}, level ${e.level}`
    + (e.boosted ? " (weather boosted)" : "");
  $("encounter-result").textContent = "";
  log(`encounter: ${e.species_name ?? speciesName(e.species)} CP ${e.cp}`);
  drawWorld();
}

async function throwBall() {
  const e = state.encounter;
  if (!e) return;
  const aim = { ball: $("ball").value || "ball", throw: $("throw-quality").value, curveball: $("curveball").checked };
  if ($("berry").value) aim.berry = $("berry").value;
  state.busy = true;
  drawWorld();
  const answer = await api.throwBall(e.encounter_id, aim);
  state.busy = false;
  if (answer.status !== 200) {
    refusal("throw", answer);
    if (answer.body?.error?.code === "travel_cooldown") state.refusedUntilMs = serverNow() + answer.retryAfterS * 1000;
    if (answer.status === 409) endEncounter("over");
    drawWorld();
    return;
  }
  actionDone();
  const r = answer.body;
  const box = $("encounter");
  box.dataset.outcome = r.outcome;
  const result = r.outcome === "caught"
    ? `caught ${r.creature.species_name} CP ${r.creature.cp}: +${r.xp} XP, +${r.stardust} stardust, +${r.candy} candy`
    : r.outcome === "fled" ? "it fled" : `it broke free (${r.balls_left} left)`;
  $("encounter-result").textContent = result;
  log(`throw: ${result}`, r.outcome === "caught" ? "good" : "info");
  if (r.outcome !== "escaped") endEncounter(r.outcome);
  await refreshProfile();
  drawWorld();
}

function endEncounter(outcome) {
  state.encounter = null;
  $("encounter").dataset.outcome = outcome;
  $("throw").disabled = true;
  // The next map read no longer lists a caught or fled spawn.
  state.lastMap = null;
}

async function spin(stopId) {
  state.busy = true;
  const answer = await api.spin(stopId, state.at);
  state.busy = false;
  if (answer.status !== 200) {
    refusal("spin", answer);
    if (answer.body?.error?.code === "travel_cooldown") state.refusedUntilMs = serverNow() + answer.retryAfterS * 1000;
    drawWorld();
    return;
  }
  actionDone();
  const r = answer.body;
  const stop = state.stops.get(stopId);
  if (stop) stop.cooldown_until_ms = r.cooldown_until_ms;
  state.lastMap = null; // read the map again as soon as its rate limit allows
  drawWorld();
  const got = Object.entries(r.items).map(([name, n]) => `${n} ${name}`).join(", ") || "nothing";
  log(`spun ${stop?.name ?? stopId}: ${got}, +${r.xp} XP${r.bag_full ? " (bag full)" : ""}${r.egg ? ", an egg" : ""}`, "good");
  await refreshProfile();
  drawWorld();
}

async function showCollection(more = false) {
  if (!more) state.cursor = null;
  const [items, page] = await Promise.all([api.items(), api.creatures(state.cursor)]);
  if (page.status !== 200) return refusal("collection", page);
  const box = $("collection");
  box.hidden = false;
  if (items.status === 200) {
    $("bag-size").textContent = `${items.body.total ?? ""}/${items.body.capacity}`;
    $("items").replaceChildren(...Object.entries(items.body.items).map(([name, n]) => {
      const li = document.createElement("li");
      li.className = "item";
      li.dataset.item = name;
      li.textContent = `${name.replaceAll("_", " ")}: ${n}`;
      return li;
    }));
  }
  const rows = page.body.creatures.map((c) => {
    const li = document.createElement("li");
    li.className = "creature";
    li.dataset.id = c.id;
    li.dataset.species = String(c.species);
    const iv = c.ivs ? ` IV ${c.ivs.attack}/${c.ivs.defense}/${c.ivs.stamina}` : "";
    li.textContent = `${c.species_name} CP ${c.cp}, level ${c.level}${iv}`;
    return li;
  });
  if (more) $("creatures").append(...rows);
  else $("creatures").replaceChildren(...rows);
  box.dataset.count = String($("creatures").children.length);
  state.cursor = page.body.next_cursor;
  $("more-creatures").hidden = !state.cursor;
}

// ---------- login ----------
function loggedOut() {
  api.token = null;
  $("login-box").hidden = false;
  log("logged out (the token expired?): log in again", "error");
}

async function login() {
  const deviceId = $("device-id").value.trim();
  localStorage.setItem("geocritters.device_id", deviceId);
  const answer = await api.guest(deviceId);
  if (answer.status !== 200) return refusal("login", answer);
  api.token = answer.body.token;
  $("player").dataset.playerId = answer.body.player_id;
  $("login-box").hidden = true;
  for (const id of ["player", "world", "collection-box"]) $(id).hidden = false;
  log(`logged in as ${answer.body.player_id}`, "good");
  player.addTo(map);
  const ranges = state.rules.ranges;
  encounterRing = L.circle([state.at.lat, state.at.lng], {
    radius: ranges.encounter_radius_m, color: "#00c853", weight: 1, fill: false, dashArray: "3 4", interactive: false,
  }).addTo(map);
  interactRing = L.circle([state.at.lat, state.at.lng], {
    radius: ranges.fort_interact_radius_m, color: "#00b8d4", weight: 1, fill: false, interactive: false,
  }).addTo(map);
  drawPlayer();
  await refreshProfile();
  await refreshMap();
}

async function loadGameData() {
  const answer = await api.gameData();
  if (answer.status !== 200) {
    if (answer.status === 0) {
      log(`cannot reach the API at ${api.base}: offline, a wrong ?api= URL, or an API that sends`
        + " no CORS headers for this page's origin (README, Web map)", "error");
    } else {
      refusal("game data", answer);
    }
    $("login").disabled = true;
    return;
  }
  state.rules = answer.body.rules;
  for (const s of answer.body.species) state.species.set(s.id, s);
  $("login").disabled = false;
  document.body.dataset.ready = "true";
}

// ---------- the loop ----------
function tick() {
  if (!api.token || !state.rules) return;
  if (state.target) {
    const speed = Number($("speed").value);
    if (speed === 0) {
      moveTo(state.target);
    } else {
      moveTo(stepToward(state.at, state.target, (speed / 3.6) * (TICK_MS / 1000)));
    }
    if (state.at.lat === state.target.lat && state.at.lng === state.target.lng) state.target = null;
    drawPlayer();
  }
  drawTravel();
  // The map is the position report: no faster than the map's rate limit allows, and
  // only after a real move or when the last read grows old.
  const minGapMs = 60000 / state.rules.rate_limits_per_minute.map + 100;
  const now = Date.now();
  const last = state.lastMap;
  const due = !last || now - last.ms >= IDLE_REFRESH_MS || distanceM(last.at, state.at) >= MIN_REFRESH_MOVE_M;
  if (!state.mapInFlight && now >= state.notBeforeMs && due && (!last || now - last.ms >= minGapMs)) {
    refreshMap();
  } else {
    drawWorld();
  }
}

document.addEventListener("click", (event) => {
  const b = event.target.closest("button[data-action]");
  if (!b || b.disabled) return;
  const id = b.dataset.id;
  const found = state.spawns.get(id) ?? state.stops.get(id) ?? state.gyms.get(id);
  if (b.dataset.action === "walk" && found) walkTo(found);
  if (b.dataset.action === "encounter") startEncounter(id);
  if (b.dataset.action === "spin") spin(id);
});
$("throw").addEventListener("click", throwBall);
$("run-away").addEventListener("click", () => {
  endEncounter("ran");
  $("encounter").hidden = true;
  drawWorld();
});
$("login").addEventListener("click", login);
$("show-collection").addEventListener("click", () => showCollection(false));
$("more-creatures").addEventListener("click", () => showCollection(true));

$("device-id").value = localStorage.getItem("geocritters.device_id")
  || `web-${Math.random().toString(16).slice(2, 14).padEnd(12, "0")}`;
$("api-base").textContent = `API: ${api.base}`;
$("login").disabled = true;
loadGameData();
setInterval(tick, TICK_MS);
