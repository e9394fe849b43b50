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
