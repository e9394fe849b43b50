// The room's chat on the page: the log, the line to type in, and the hide toggle.
//
// Lines arrive already cleaned by the server, but the page trusts nothing it is sent: every
// line is put in as text (`textContent`), never as markup, so `<b>hi</b>` shows those very
// characters. The log keeps the last CHAT_LINES_KEPT lines. Viewers of a replay (replay.js)
// get no input line: main.js calls `setReplay(true)` when one opens.

import { hexFromInt } from './colors.js';

export const CHAT_LINES_KEPT = 50;
/** The server cuts longer lines (`limits.chat_max_chars`); the field stops the typing there too. */
export const CHAT_MAX_CHARS = 200;

export class Chat {
  /**
   * @param {object} el { root, log, form, input, toggle }
   * @param {(text: string) => void} send emits one line
   */
  constructor(el, send) {
    this.el = el;
    this.send = send;
    this.lines = [];
    this.hidden = false;
    this.replay = false;
    el.input.maxLength = CHAT_MAX_CHARS;
    el.form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = el.input.value.trim();
      if (text && !this.replay) this.send(text);
      el.input.value = '';
      el.input.blur();
    });
    el.input.addEventListener('keydown', (e) => {
      // Escape leaves the field (not the room); keys typed here never steer or split.
      e.stopPropagation();
      if (e.key === 'Escape') el.input.blur();
    });
    el.toggle.addEventListener('click', () => this.setHidden(!this.hidden));
  }

  /** One `ChatLine` from the server. */
  add(line) {
    if (!line || typeof line.text !== 'string') return;
    const li = document.createElement('li');
    const who = document.createElement('span');
    who.className = 'chat-name';
    who.textContent = String(line.name ?? '');
    who.style.color = hexFromInt(line.color);
    const text = document.createElement('span');
    text.className = 'chat-text';
    text.textContent = line.text;
    li.append(who, text);
    this.el.log.append(li);
    this.lines.push({ name: who.textContent, text: line.text, color: who.style.color });
    while (this.lines.length > CHAT_LINES_KEPT) {
      this.lines.shift();
      this.el.log.firstElementChild?.remove();
    }
    this.el.log.scrollTop = this.el.log.scrollHeight;
  }

  clear() {
    this.lines = [];
    this.el.log.replaceChildren();
  }

  setHidden(hidden) {
    this.hidden = !!hidden;
    this.el.root.dataset.hidden = String(this.hidden);
    this.el.toggle.textContent = this.hidden ? 'Chat' : 'Hide';
    this.el.toggle.setAttribute('aria-pressed', String(this.hidden));
  }

  /** Watching a replay: nobody there to talk to, so no input line. */
  setReplay(replay) {
    this.replay = !!replay;
    this.el.form.hidden = this.replay;
  }

  /** Enter in the game opens the line. */
  focus() {
    if (!this.hidden && !this.replay) this.el.input.focus();
  }
}
