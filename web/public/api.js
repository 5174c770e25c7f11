// The few calls the map makes (docs/openapi.json). Every answer comes back as
// {status, body, retryAfterS}; status 0 means the API could not be reached.
import { newKey } from "./geo.js";

export class Api {
  constructor(base) {
    this.base = base.replace(/\/+$/, "");
    this.token = null;
  }

  async call(method, path, body, { idempotent = false } = {}) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (idempotent) headers["Idempotency-Key"] = newKey();
    let response;
    try {
      response = await fetch(this.base + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      return { status: 0, body: { error: { code: "unreachable", message: String(error) } } };
    }
    let parsed = null;
    try {
      parsed = await response.json();
    } catch {
      parsed = { error: { code: "not_json", message: `HTTP ${response.status} without a JSON body` } };
    }
    const retry = Number(response.headers.get("Retry-After"));
    return { status: response.status, body: parsed, retryAfterS: Number.isFinite(retry) ? retry : 0 };
  }

  guest(deviceId) { return this.call("POST", "/v1/auth/guest", { device_id: deviceId }); }
  gameData() { return this.call("GET", "/v1/game-data"); }
  me() { return this.call("GET", "/v1/me"); }
  items() { return this.call("GET", "/v1/me/items"); }
  map(at) { return this.call("GET", `/v1/map?lat=${at.lat}&lng=${at.lng}`); }
  encounter(spawnId, at) {
    return this.call("POST", "/v1/encounters", { spawn_id: spawnId, lat: at.lat, lng: at.lng });
  }
  throwBall(encounterId, aim) {
    return this.call("POST", `/v1/encounters/${encodeURIComponent(encounterId)}/throws`, aim,
      { idempotent: true });
  }
  spin(stopId, at) {
    return this.call("POST", `/v1/stops/${encodeURIComponent(stopId)}/spin`, { lat: at.lat, lng: at.lng },
      { idempotent: true });
  }
  creatures(cursor) {
    return this.call("GET", "/v1/me/creatures?limit=50" + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""));
  }
}
