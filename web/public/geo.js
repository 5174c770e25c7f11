// Distances and the travel rules as the server applies them, with the numbers taken from
// GET /v1/game-data (never copied here).

// The server's sphere (game/geo.py); tests/web/test_geo_js.py compares the two.
const EARTH_RADIUS_M = 6371008.8;

export function distanceM(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2
    + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  const s = Math.min(1, Math.max(0, h));
  return 2 * EARTH_RADIUS_M * Math.atan2(Math.sqrt(s), Math.sqrt(1 - s));
}

// A point `stepM` metres from `from` toward `to` (the end itself when closer). Straight in
// degrees: legs are short, and the server measures each report on its own.
export function stepToward(from, to, stepM) {
  const left = distanceM(from, to);
  if (left <= stepM || left === 0) return { lat: to.lat, lng: to.lng };
  const f = stepM / left;
  return { lat: from.lat + (to.lat - from.lat) * f, lng: from.lng + (to.lng - from.lng) * f };
}

// rules.travel_cooldown of the game data: [{km, minutes}, ...] and cap_minutes. None below
// the first point, linear between points, the last segment's slope past the end, capped.
export function travelCooldownMs(distance, travel) {
  const points = travel.points;
  const km = distance / 1000;
  if (!points.length || km < points[0].km) return 0;
  let i = points.findIndex((p) => p.km > km);
  if (i === -1) i = points.length - 1;
  const a = points[i - 1];
  const b = points[i];
  const minutes = Math.min(travel.cap_minutes, a.minutes + (b.minutes - a.minutes) * (km - a.km) / (b.km - a.km));
  return Math.round(minutes * 60000);
}

// 8-128 of [A-Za-z0-9_.:-], as the API wants an Idempotency-Key. crypto.randomUUID needs a
// secure context; getRandomValues works on any page.
export function newKey(prefix = "web") {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return prefix + "-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function formatDuration(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m}:${String(s % 60).padStart(2, "0")}`;
}
