//! One terminal: xterm.js on a WebSocket to `/api/v1/terminal`, sized to its box, with what
//! happened to the shell (started, exited with a code, refused, dropped, idle) said under it.

import { useEffect, useRef, useState } from 'react';
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import type { TerminalControl, TerminalEvent } from '../../lib/api/generated';
import { readConfig } from '../../lib/config';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { copiesSelection, openTerminal, reconnectTerminal, terminalTitle, terminalUrl, type OpenTerminal } from '../../lib/terminals';

type Status =
  | { state: 'connecting' }
  | { state: 'running'; shell: string }
  | { state: 'exited'; code: number }
  | { state: 'failed'; reason: string; message: string }
  | { state: 'dropped' }
  | { state: 'idle'; seconds: number };

/**
 * xterm.js adds `<style>` elements while it opens; the page's Content-Security-Policy admits
 * only those carrying this page load's nonce, so they are made with it.
 */
function withStyleNonce(open: () => void): void {
  const nonce = readConfig().styleNonce;
  // eslint-disable-next-line @typescript-eslint/no-deprecated, @typescript-eslint/unbound-method -- the string signature, called with its document below
  const original: (this: Document, tag: string, options?: ElementCreationOptions) => HTMLElement = Document.prototype.createElement;
  const withNonce = function (this: Document, tag: string, options?: ElementCreationOptions): HTMLElement {
    const element = original.call(this, tag, options);
    if (nonce && tag.toLowerCase() === 'style') element.setAttribute('nonce', nonce);
    return element;
  };
  // An own property of this document shadows the prototype's until it is deleted again.
  Object.defineProperty(document, 'createElement', { value: withNonce, configurable: true, writable: true });
  try {
    open();
  } finally {
    Reflect.deleteProperty(document, 'createElement');
  }
}

export default function TerminalView(props: { terminal: OpenTerminal; visible: boolean }) {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  const fit = useRef<FitAddon | null>(null);
  const [status, setStatus] = useState<Status>({ state: 'connecting' });
  const { terminal } = props;

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const term = new Terminal({ cursorBlink: true, convertEol: false, fontSize: 13, scrollback: 5000 });
    const fitter = new FitAddon();
    term.loadAddon(fitter);
    fit.current = fitter;
    withStyleNonce(() => {
      term.open(element);
    });
    fitter.fit();
    const socket = new WebSocket(terminalUrl(terminal, { cols: term.cols, rows: term.rows }));
    socket.binaryType = 'arraybuffer';
    let told = false;
    socket.onmessage = (message: MessageEvent<ArrayBuffer | string>) => {
      if (typeof message.data !== 'string') {
        term.write(new Uint8Array(message.data));
        return;
      }
      const event = JSON.parse(message.data) as TerminalEvent;
      if (event.type === 'started') {
        setStatus({ state: 'running', shell: event.shell });
        term.focus();
        return;
      }
      told = true;
      if (event.type === 'exited') setStatus({ state: 'exited', code: event.code });
      else if (event.type === 'failed') setStatus({ state: 'failed', reason: event.reason, message: event.message });
      else setStatus({ state: 'idle', seconds: event.seconds });
    };
    socket.onclose = () => {
      if (!told) setStatus({ state: 'dropped' });
    };
    // Copy (the Clipboard API needs a secure context: https, or localhost); paste is the browser's.
    term.attachCustomKeyEventHandler((key) => {
      if (!copiesSelection(key, term.hasSelection()) || !('clipboard' in navigator)) return true;
      key.preventDefault();
      void navigator.clipboard.writeText(term.getSelection()).then(() => { term.clearSelection(); });
      return false;
    });
    const encoder = new TextEncoder();
    const typed = term.onData((data) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(encoder.encode(data));
    });
    const resized = term.onResize(({ cols, rows }) => {
      const control: TerminalControl = { type: 'resize', cols, rows };
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(control));
    });
    const observer = new ResizeObserver(() => {
      if (element.offsetParent !== null) fitter.fit();
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      typed.dispose();
      resized.dispose();
      socket.close();
      term.dispose();
      fit.current = null;
    };
  }, [terminal]);

  useEffect(() => {
    if (props.visible) fit.current?.fit();
  }, [props.visible]);

  const where = terminalTitle(terminal);
  const ended = status.state !== 'connecting' && status.state !== 'running';
  return (
    <div className="terminal" hidden={!props.visible} data-testid="terminal" data-state={status.state}>
      <div className="terminal__screen" ref={box} title={t('terminal|Copy: select, then Ctrl+Shift+C (or Ctrl+C). Paste: Ctrl+Shift+V or Ctrl+V.')} />
      <div className="terminal__status" role="status" data-testid="terminal-status">
        <span>
          {status.state === 'connecting' && t('terminal|Connecting to {{where}}…', { where })}
          {status.state === 'running' && t('terminal|{{shell}} in {{where}}', { shell: status.shell, where })}
          {status.state === 'exited' && t('terminal|The shell exited with code {{code}}.', { code: status.code })}
          {status.state === 'failed' && (
            <span className="terminal__problem" data-testid="terminal-problem">
              {t('terminal|No terminal ({{reason}}): {{message}}', { reason: status.reason, message: status.message })}
            </span>
          )}
          {status.state === 'dropped' && (
            <span className="terminal__problem">{t('terminal|The connection to the console dropped; the shell may have ended.')}</span>
          )}
          {status.state === 'idle' && t('terminal|Closed after {{seconds}} seconds without a keystroke.', { seconds: status.seconds })}
        </span>
        {status.state === 'failed' && status.reason === 'NoShell' && terminal.kind === 'container' && (
          <button
            type="button"
            className="button"
            data-testid="terminal-debug"
            onClick={() => { openTerminal({ ...terminal, debug: true }); }}
          >
            {t('terminal|Open a debug container')}
          </button>
        )}
        {ended && (
          <button type="button" className="button" data-testid="terminal-reconnect" onClick={() => { reconnectTerminal(terminal.id); }}>
            {status.state === 'dropped' ? t('terminal|Reconnect') : t('terminal|Start again')}
          </button>
        )}
      </div>
    </div>
  );
}
