// Settings of a static deployment; the page's query string overrides each of them
// (?api=https://api.example.com&tiles=off&lat=..&lng=..).
window.GEOCRITTERS_CONFIG = {
  // The API's base URL, e.g. "https://abc123.execute-api.eu-west-1.amazonaws.com/api".
  // Empty: the page's own origin (what `make run` serves at /play/).
  api: "",
  // "auto": OpenStreetMap tiles, and a plain grid when they cannot be loaded (offline);
  // "osm": tiles only; "off": the grid only, no tile request at all.
  tiles: "auto",
  tileUrl: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
  tileAttribution: "&copy; OpenStreetMap contributors",
  // Where a new session starts (Times Square, the scripted sessions' place).
  start: { lat: 40.758, lng: -73.9855 },
};
