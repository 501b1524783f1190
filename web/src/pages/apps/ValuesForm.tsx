//! The form a chart's values schema describes. It reads from and writes to the values YAML, so
//! the form and the YAML editor beside it always show the same values.

import { useEffect, useMemo, useState } from 'react';
import type { JsonSchema } from '../../lib/apps/types';
import { fieldProblem, fieldsOf, orderLike, parseFieldInput, problemsIn, readValues, setValue, valueAt, type FieldProblem, type ValueField, type ValueNode } from '../../lib/apps/valuesForm';
import type { MessageKey } from '../../lib/i18n/catalogue';
import { useTranslation } from '../../lib/i18n/I18nProvider';

const PROBLEMS: Record<FieldProblem, MessageKey> = {
  number: 'apps|Enter a number.',
  integer: 'apps|Enter a whole number.',
  minimum: 'apps|Too small: at least {{minimum}}.',
  maximum: 'apps|Too large: at most {{maximum}}.',
  option: 'apps|Choose one of the options.',
  boolean: 'apps|Enter true or false.',
};

type Scalar = string | number | boolean | undefined;

function Field(props: { field: ValueField; value: Scalar; disabled: boolean; onValue: (value: Scalar) => void }) {
  const { t } = useTranslation();
  const { field, value } = props;
  const shown = value === undefined ? '' : String(value);
  // What the person typed, kept as typed until the YAML says something else. Whatever it is, it
  // goes into the YAML (a text where a number belongs stays text), so the form and the YAML never
  // disagree; what the schema refuses is said next to the field and blocks the install.
  const [draft, setDraft] = useState(shown);
  const [seen, setSeen] = useState(shown);
  if (seen !== shown) {
    setSeen(shown);
    setDraft(shown);
  }
  const problem = fieldProblem(field, value);
  const shownProblem = problem ? PROBLEMS[problem] : null;
  const id = `values-${field.path.join('-')}`;
  const label = (
    <span className="values-form__label">
      {field.title}
      {field.required && <span aria-hidden="true"> *</span>} <code className="muted">{field.path.join('.')}</code>
    </span>
  );
  const description = field.description && <small className="muted">{field.description}</small>;

  if (field.type === 'boolean') {
    return (
      <label className="values-form__field values-form__field--check" htmlFor={id}>
        <input id={id} type="checkbox" checked={value === true} disabled={props.disabled} data-path={field.path.join('.')} onChange={(e) => { props.onValue(e.target.checked); }} />
        {label}
        {description}
      </label>
    );
  }

  const change = (input: string) => {
    setDraft(input);
    const parsed = parseFieldInput(field, input);
    // A number the schema refuses goes in as that number, a text that is no number as that text:
    // either way the YAML says what the person typed, and the form says what is wrong with it.
    props.onValue(!('problem' in parsed) ? parsed.value : parsed.problem === 'number' ? input : Number(input));
  };

  return (
    <label className="values-form__field" htmlFor={id}>
      {label}
      {field.type === 'enum' ? (
        <select id={id} className="select" value={draft} disabled={props.disabled} data-path={field.path.join('.')} onChange={(e) => { change(e.target.value); }}>
          <option value="">{t('apps|(chart default)')}</option>
          {field.options.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          className="input"
          inputMode={field.type === 'string' ? undefined : 'decimal'}
          value={draft}
          disabled={props.disabled}
          aria-invalid={shownProblem !== null}
          data-path={field.path.join('.')}
          onChange={(e) => { change(e.target.value); }}
        />
      )}
      {shownProblem && <small className="form-field__problem" data-testid="values-field-problem">{t(shownProblem, { minimum: field.minimum ?? '', maximum: field.maximum ?? '' })}</small>}
      {description}
    </label>
  );
}

function Nodes(props: { nodes: ValueNode[]; read: ReturnType<typeof readValues>; text: string; onChange: (text: string) => void }) {
  const { read } = props;
  const disabled = 'error' in read;
  return (
    <>
      {props.nodes.map((node) =>
        node.kind === 'group' ? (
          <fieldset key={node.path.join('.')} className="values-form__group">
            <legend>{node.title}</legend>
            {node.description && <small className="muted">{node.description}</small>}
            <Nodes nodes={node.children} read={read} text={props.text} onChange={props.onChange} />
          </fieldset>
        ) : (
          <Field
            key={node.path.join('.')}
            field={node}
            disabled={disabled}
            value={'doc' in read ? valueAt(read.doc, node.path) : undefined}
            onValue={(v) => {
              props.onChange(setValue(props.text, node.path, v));
            }}
          />
        ),
      )}
    </>
  );
}

/**
 * The values form. `onProblems` hears, whenever it changes, what keeps the values from being
 * sent: fields the schema refuses (`replicaCount: abc`) or a YAML that does not parse.
 */
export function ValuesForm(props: { schema: JsonSchema; defaults: string; text: string; onChange: (text: string) => void; onProblems?: (problems: string[]) => void }) {
  const { t } = useTranslation();
  const nodes = useMemo(() => orderLike(fieldsOf(props.schema), props.defaults), [props.schema, props.defaults]);
  const read = useMemo(() => readValues(props.text), [props.text]);
  const problems = 'error' in read ? [] : problemsIn(nodes, read.doc).map((p) => p.field.path.join('.'));
  const problemsKey = problems.join(',');
  const { onProblems } = props;
  useEffect(() => {
    onProblems?.(problemsKey ? problemsKey.split(',') : []);
  }, [problemsKey, onProblems]);
  if (nodes.length === 0) return <p className="muted">{t('apps|The values schema has no fields this form can edit; use the YAML.')}</p>;
  return (
    <div className="values-form" data-testid="values-form">
      {'error' in read && (
        <p className="form-field__problem" role="alert">
          {t('apps|The YAML cannot be read, so the form is paused: {{message}}', { message: read.error })}
        </p>
      )}
      <Nodes nodes={nodes} read={read} text={props.text} onChange={props.onChange} />
    </div>
  );
}

/**
 * Why the values cannot be sent as they are, or null: a YAML that does not parse, or fields the
 * chart's schema refuses (named, as the form shows them).
 */
export function valuesUnsendable(values: string, fieldProblems: string[], t: ReturnType<typeof useTranslation>['t']): string | null {
  const read = readValues(values);
  if ('error' in read) return t('apps|The values YAML does not parse: {{message}}', { message: read.error });
  if (fieldProblems.length > 0) return t('apps|Fix these values first: {{fields}}', { fields: fieldProblems.join(', ') });
  return null;
}
