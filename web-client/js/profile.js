// The player's name and colour, kept in localStorage so they survive reloads. Storage only: the
// home form shows and edits them (ui.js), main.js moves them between the two.

import { randomPlayerColor } from './colors.js';

const PROFILE_KEY = 'petri.profile';

/** `{ name, color }` as saved, each checked; a random colour when none (or a bad one) was saved. */
export function loadProfile() {
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem(PROFILE_KEY) || '{}') || {};
  } catch {
    saved = {};
  }
  return {
    name: typeof saved.name === 'string' ? saved.name : '',
    color: /^#[0-9a-f]{6}$/i.test(saved.color || '') ? saved.color : randomPlayerColor(),
  };
}

export function saveProfile(profile) {
  try {
    localStorage.setItem(PROFILE_KEY, JSON.stringify(profile));
  } catch {
    // storage disabled: the profile lasts this page only
  }
}
