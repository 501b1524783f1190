//! A YAML editor (CodeMirror 6). Loaded only with the views that edit YAML, so the first page
//! of the app does not carry it.

import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { bracketMatching, foldGutter, HighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { useEffect, useRef } from 'react';

import { readConfig } from '../../lib/config';

/**
 * YAML's colours as the page's theme variables (styles.css, `--code-*`), so the editor follows the
 * light or dark theme without being made again.
 */
const yamlColours = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: 'var(--code-key)' },
  { tag: [tags.string, tags.special(tags.string), tags.content], color: 'var(--code-string)' },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: 'var(--code-atom)' },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: 'var(--code-comment)', fontStyle: 'italic' },
  { tag: [tags.keyword, tags.meta, tags.typeName, tags.labelName], color: 'var(--code-keyword)' },
  { tag: [tags.punctuation, tags.separator, tags.bracket], color: 'var(--text-muted)' },
]);

/** The editor's surfaces as the page's theme variables. */
const editorTheme = EditorView.theme({
  '&': { color: 'var(--text)', backgroundColor: 'var(--surface)' },
  '.cm-content': { caretColor: 'var(--text)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--text)' },
  '.cm-gutters': { backgroundColor: 'var(--surface-2)', color: 'var(--text-muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'var(--code-active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--code-active-line)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: 'var(--code-selection)' },
});

export interface CodeEditorProps {
  value: string;
  onChange?: (value: string) => void;
  readOnly?: boolean;
  /** A 1-based line to scroll to and select (a validation error's). */
  highlightLine?: number | null;
  label: string;
}

export function CodeEditor(props: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const readOnly = useRef(new Compartment());
  const onChange = useRef(props.onChange);
  /** Set while the document is replaced from props: that is no edit by the person. */
  const external = useRef(false);
  useEffect(() => {
    onChange.current = props.onChange;
  });

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          foldGutter(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          syntaxHighlighting(yamlColours),
          editorTheme,
          yaml(),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          readOnly.current.of([EditorState.readOnly.of(props.readOnly ?? false), EditorView.editable.of(!(props.readOnly ?? false))]),
          EditorView.contentAttributes.of({ 'aria-label': props.label }),
          // The editor's themes are <style> elements; the page's policy admits only this nonce.
          EditorView.cspNonce.of(readConfig().styleNonce),
          EditorView.updateListener.of((update) => {
            if (update.docChanged && !external.current) onChange.current?.(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is created once; value and readOnly changes are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    if (editor.state.doc.toString() !== props.value) {
      external.current = true;
      try {
        editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: props.value } });
      } finally {
        external.current = false;
      }
    }
  }, [props.value]);

  useEffect(() => {
    view.current?.dispatch({
      effects: readOnly.current.reconfigure([EditorState.readOnly.of(props.readOnly ?? false), EditorView.editable.of(!(props.readOnly ?? false))]),
    });
  }, [props.readOnly]);

  useEffect(() => {
    const editor = view.current;
    if (!editor || !props.highlightLine) return;
    const n = Math.min(Math.max(1, props.highlightLine), editor.state.doc.lines);
    const line = editor.state.doc.line(n);
    editor.dispatch({ selection: { anchor: line.from, head: line.to }, scrollIntoView: true });
  }, [props.highlightLine]);

  return <div className="code-editor" ref={host} data-testid="code-editor" />;
}
