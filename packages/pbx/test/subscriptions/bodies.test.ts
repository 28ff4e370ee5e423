import { dialogInfoXml } from '../../src/subscriptions/dialog-info.js';
import { messageSummaryBody } from '../../src/voicemail/message-summary.js';

describe('NOTIFY bodies', () => {
  test('dialog-info (RFC 4235): full state, version, entity, escaped remote identity', () => {
    const xml = dialogInfoXml('sip:102@acme.test', 3, {
      dialogs: [{ id: 'call-7', state: 'early', direction: 'recipient', remote: { uri: 'sip:101@acme.test', display: 'Alice & "Co" <Sales>' } }],
    });
    expect(xml).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="3" state="full" entity="sip:102@acme.test">',
        '  <dialog id="call-7" direction="recipient">',
        '    <state>early</state>',
        '    <remote><identity display="Alice &amp; &quot;Co&quot; &lt;Sales&gt;">sip:101@acme.test</identity></remote>',
        '  </dialog>',
        '</dialog-info>',
        '',
      ].join('\r\n'),
    );
    expect(dialogInfoXml('sip:103@acme.test', 0, { dialogs: [] })).toContain('version="0" state="full" entity="sip:103@acme.test">\r\n</dialog-info>');
  });

  test('message-summary (RFC 3842 §5.2): the lamp, the account, new/old counts', () => {
    expect(messageSummaryBody({ unread: 2, heard: 5 }, 'sip:*97@acme.test')).toBe('Messages-Waiting: yes\r\nMessage-Account: sip:*97@acme.test\r\nVoice-Message: 2/5 (0/0)\r\n');
    expect(messageSummaryBody({ unread: 0, heard: 1 }, 'sip:*97@acme.test')).toMatch(/^Messages-Waiting: no\r\n/);
  });
});
