// Rooms in the URL hash: `#<room-id>` for a public room, `#<room-id>/<code>` for a private one
// (docs/PROTOCOL.md). One encoder, `roomHash`, serves both the address bar and the invite link,
// so what we share is what we parse.

/** The hash for a room: the code only for a private room we know the code of; '' for none. */
export function roomHash(room, code) {
  if (!room) return '';
  const id = encodeURIComponent(room.id);
  return room.private && code ? `#${id}/${encodeURIComponent(code)}` : `#${id}`;
}

/** `{ room, code }` from a hash (`#room`, `#room/code`, `#/room`), or null for none. */
export function parseRoomHash(hash) {
  const h = hash.replace(/^#\/?/, '');
  if (!h) return null;
  let room;
  let code;
  try {
    [room, code] = h.split('/').map((p) => decodeURIComponent(p));
  } catch {
    return null; // a malformed %-escape: not a link we made
  }
  return room ? { room, code: code || null } : null;
}

/** The shareable link of a private room, or '' (public rooms are in the list). */
export function inviteLink(room, code) {
  if (!room || !room.private || !code) return '';
  return `${location.origin}${location.pathname}${roomHash(room, code)}`;
}

/** Shows the room we are in (or none) in the address bar, without a history entry. */
export function setHash(room, code) {
  history.replaceState(null, '', `${location.pathname}${location.search}${roomHash(room, code)}`);
}

/** The room the address bar names, or null. */
export function roomFromLocation() {
  return parseRoomHash(location.hash);
}

// ---- rooms on other nodes of a cluster -------------------------------------------------------
// In a cluster a room lives on one node; `RoomSummary.url` (and a join refused `other-node`)
// names it. The page then goes there with the room in the hash, and that node's page joins it.

const HOPS_KEY = 'petri.hops';
/** Redirects followed within HOPS_WINDOW_MS before the page stops following (a loop guard). */
const MAX_HOPS = 3;
const HOPS_WINDOW_MS = 30000;

/** Whether `url` is another server than the one this page came from. */
export function isElsewhere(url) {
  if (!url) return false;
  try {
    const u = new URL(url, location.href);
    // only a web page is somewhere to go (a `url` is data from the server, never a script)
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin !== location.origin;
  } catch {
    return false; // not a URL: stay here
  }
}

/**
 * Goes to the node at `url` with the room in the hash. Returns false (and goes nowhere) when the
 * page has been sent on too often lately: the nodes' directories disagree, so stop and say so.
 */
export function goToNode(url, room, code, { spectate = false } = {}) {
  let hops = { count: 0, at: 0 };
  try {
    hops = JSON.parse(sessionStorage.getItem(HOPS_KEY) || 'null') || hops;
  } catch {
    // storage disabled: the guard then counts within this page only
  }
  const now = Date.now();
  if (now - hops.at > HOPS_WINDOW_MS) hops = { count: 0, at: now };
  if (hops.count >= MAX_HOPS) return false;
  hops.count++;
  try {
    sessionStorage.setItem(HOPS_KEY, JSON.stringify(hops));
  } catch {
    // see above
  }
  const base = new URL(url, location.href);
  try {
    // sessionStorage is per origin: the flag goes in the URL's query, read once on arrival
    if (spectate) base.searchParams.set('spectate', '1');
  } catch {
    // a URL that cannot carry it: the page plays instead of watching
  }
  location.assign(`${base.origin}${base.pathname.replace(/\/?$/, '/')}${base.search}${roomHash(room, code)}`);
  return true;
}

/** Whether the page arrived to watch (`?spectate=1`, set by `goToNode`); clears the flag. */
export function takeSpectateIntent() {
  const params = new URLSearchParams(location.search);
  if (!params.has('spectate')) return false;
  params.delete('spectate');
  const search = params.toString();
  history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
  return true;
}
