// Colours: the server sends players' colours as 0xRRGGBB; everything else (food, ejected mass,
// players we have no info on yet) gets a stable colour from its id, so a pellet keeps its colour
// while it is in view and after it re-enters.

export const PALETTE = [
  '#ff5a5f', '#ff9f1c', '#ffd23f', '#9be564', '#3bceac', '#0ead69', '#33a1fd',
  '#5e60ce', '#b15cff', '#ff66c4', '#f7797d', '#4dd6ff',
];

/** A cheap integer hash (Knuth's multiplicative), so neighbouring ids get unrelated colours. */
export function paletteIndex(id) {
  return (Math.imul(id >>> 0, 2654435761) >>> 28) % PALETTE.length;
}

export const colorForId = (id) => PALETTE[paletteIndex(id)];

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
