// Colours: the server sends players' colours as 0xRRGGBB; players we have no info on yet get one
// from their (global) player id. Food, ejected mass and viruses get theirs from `colorKey`: the
// position where the cell entered our view. Not from the cell id: ids are per-client handles
// (PROTOCOL.md), so an id-based colour differed between two players looking at the same pellet
// and changed whenever a pellet left the view and came back under another handle. A pellet does
// not move, so its key is the same for everyone and on every re-entry.

export const PALETTE = [
  '#ff5a5f', '#ff9f1c', '#ffd23f', '#9be564', '#3bceac', '#0ead69', '#33a1fd',
  '#5e60ce', '#b15cff', '#ff66c4', '#f7797d', '#4dd6ff',
];

/** A cheap integer hash (Knuth's multiplicative), so neighbouring ids get unrelated colours. */
export function paletteIndex(id) {
  return (Math.imul(id >>> 0, 2654435761) >>> 28) % PALETTE.length;
}

export const colorForId = (id) => PALETTE[paletteIndex(id)];

/** A colour key from a cell's map position (whole map units, as the server sends them). */
export function colorKey(x, y) {
  return (Math.imul(x | 0, 73856093) ^ Math.imul(y | 0, 19349663)) >>> 0;
}

export function hexFromInt(rgb) {
  return `#${((rgb >>> 0) & 0xffffff).toString(16).padStart(6, '0')}`;
}

export function intFromHex(hex) {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex || '');
  return m ? parseInt(m[1], 16) : null;
}

/** The same hue, darker: the subtle border of a cell. */
export function darker(hex, factor = 0.72) {
  const n = intFromHex(hex) ?? 0x888888;
  const r = Math.round(((n >> 16) & 255) * factor);
  const g = Math.round(((n >> 8) & 255) * factor);
  const b = Math.round((n & 255) * factor);
  return `rgb(${r},${g},${b})`;
}

/** A random bright colour for a new player's default. */
export function randomPlayerColor() {
  return PALETTE[Math.floor(Math.random() * PALETTE.length)];
}
