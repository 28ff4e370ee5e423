import { describe, expect, it } from 'vitest';
import { phoneActions, shortcutRows } from './actions.js';
import { classifyTarget, routeKey } from './keyboard.js';

function element(html: string, selector: string): Element {
  document.body.innerHTML = html;
  const el = document.querySelector(selector);
  if (!el) throw new Error(`no ${selector}`);
  return el;
}

describe('classifyTarget', () => {
  it('treats text inputs, textareas, selects and contenteditable as typing', () => {
    expect(classifyTarget(element('<input type="search" id="x">', '#x'))).toBe('typing');
    expect(classifyTarget(element('<input id="x">', '#x'))).toBe('typing');
    expect(classifyTarget(element('<textarea id="x"></textarea>', '#x'))).toBe('typing');
    expect(classifyTarget(element('<select id="x"><option>a</option></select>', '#x'))).toBe('typing');
    expect(classifyTarget(element('<div contenteditable="true"><p id="x">hi</p></div>', '#x'))).toBe('typing');
  });

  it('treats anything inside data-shortcuts="off" as typing (a dialog with its own keys)', () => {
    expect(classifyTarget(element('<div data-shortcuts="off"><button id="x">Cancel</button></div>', '#x'))).toBe('typing');
  });

  it('treats buttons, links and checkboxes as controls, and the rest as the page', () => {
    expect(classifyTarget(element('<button id="x"><span id="y">Go</span></button>', '#y'))).toBe('control');
    expect(classifyTarget(element('<a href="#/phone" id="x">Phone</a>', '#x'))).toBe('control');
    expect(classifyTarget(element('<input type="checkbox" id="x">', '#x'))).toBe('control');
    expect(classifyTarget(element('<main><p id="x">text</p></main>', '#x'))).toBe('page');
    expect(classifyTarget(document.body)).toBe('page');
    expect(classifyTarget(null)).toBe('page');
  });
});

describe('routeKey: the guide keyboard table', () => {
  const page = (key: string) => ({ key, target: 'page' as const });

  it('not on a call: digits, * and # go to the dialer; Enter calls; Backspace deletes', () => {
    for (const key of ['0', '5', '9', '*', '#']) expect(routeKey(page(key), 'idle')).toBe('dialDigit');
    expect(routeKey(page('Enter'), 'idle')).toBe('call');
    expect(routeKey(page('Backspace'), 'idle')).toBe('deleteDigit');
    expect(routeKey(page('Escape'), 'idle')).toBeNull();
    expect(routeKey(page('m'), 'idle')).toBeNull();
  });

  it('incoming call ringing: Enter answers, Escape declines, digits do nothing', () => {
    expect(routeKey(page('Enter'), 'incoming')).toBe('answer');
    expect(routeKey(page('Escape'), 'incoming')).toBe('decline');
    expect(routeKey(page('5'), 'incoming')).toBeNull();
  });

  it('on a call: digits send DTMF, Escape hangs up, M toggles mute, H toggles hold', () => {
    expect(routeKey(page('7'), 'in-call')).toBe('sendDtmf');
    expect(routeKey(page('#'), 'in-call')).toBe('sendDtmf');
    expect(routeKey(page('Escape'), 'in-call')).toBe('hangUp');
    expect(routeKey(page('m'), 'in-call')).toBe('toggleMute');
    expect(routeKey(page('M'), 'in-call')).toBe('toggleMute');
    expect(routeKey(page('h'), 'in-call')).toBe('toggleHold');
    expect(routeKey(page('H'), 'in-call')).toBe('toggleHold');
    expect(routeKey(page('Enter'), 'in-call')).toBeNull();
  });

  it('stays out of the way while typing in another field', () => {
    for (const context of ['idle', 'incoming', 'in-call'] as const) {
      for (const key of ['1', 'Enter', 'Escape', 'm', 'h', 'Backspace']) {
        expect(routeKey({ key, target: 'typing' }, context)).toBeNull();
      }
    }
  });

  it('never takes browser shortcuts (Ctrl, Cmd, Alt)', () => {
    expect(routeKey({ key: '1', target: 'page', ctrlKey: true }, 'idle')).toBeNull();
    expect(routeKey({ key: 'h', target: 'page', metaKey: true }, 'in-call')).toBeNull();
    expect(routeKey({ key: 'Escape', target: 'page', altKey: true }, 'in-call')).toBeNull();
  });

  it('leaves Enter to a focused button, but still takes Escape and digits there', () => {
    expect(routeKey({ key: 'Enter', target: 'control' }, 'idle')).toBeNull();
    expect(routeKey({ key: 'Enter', target: 'control' }, 'incoming')).toBeNull();
    expect(routeKey({ key: 'Escape', target: 'control' }, 'incoming')).toBe('decline');
    expect(routeKey({ key: '3', target: 'control' }, 'idle')).toBe('dialDigit');
  });
});

describe('the action table', () => {
  it("carries the guide's labels", () => {
    const labels = Object.fromEntries(phoneActions.map((a) => [a.id, a.label]));
    expect(labels).toMatchObject({ call: 'Call', answer: 'Answer', decline: 'Decline', hangUp: 'Hang Up', toggleMute: 'Mute', toggleHold: 'Hold', transfer: 'Transfer', keypad: 'Keypad' });
  });

  it('lists the nine rows of the keyboard table, in its order', () => {
    expect(shortcutRows().map((r) => `${r.when} ${r.keyLabel}: ${r.description}`)).toEqual([
      'idle 0–9, *, #: Types digits into the dialer (auto-focuses the number field)',
      'idle Enter: Places the call',
      'idle Backspace: Deletes the last digit',
      'incoming Enter: Answers the call',
      'incoming Escape: Declines the call',
      'in-call 0–9, *, #: Sends DTMF tones (e.g., for IVR menus)',
      'in-call Escape: Hangs up',
      'in-call M: Toggles mute',
      'in-call H: Toggles hold',
    ]);
  });

  it('never binds one key twice in the same situation', () => {
    const seen = new Set<string>();
    for (const action of phoneActions) {
      for (const key of action.keys) {
        const id = `${action.when}/${key}`;
        expect(seen.has(id), id).toBe(false);
        seen.add(id);
      }
    }
  });
});
