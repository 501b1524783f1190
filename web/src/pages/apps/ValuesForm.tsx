//! The form a chart's values schema describes. It reads from and writes to the values YAML, so
//! the form and the YAML editor beside it always show the same values.

import { useMemo, useState } from 'react';
import type { JsonSchema } from '../../lib/apps/types';
import { fieldsOf, orderLike, parseFieldInput, readValues, setValue, valueAt, type ValueField, type ValueNode } from '../../lib/apps/valuesForm';
import type { MessageKey } from '../../lib/i18n/catalogue';
import { useTranslation } from '../../lib/i18n/I18nProvider';

const PROBLEMS: Record<'number' | 'integer' | 'minimum' | 'maximum', MessageKey> = {
  number: 'apps|Enter a number.',
  integer: 'apps|Enter a whole number.',
  minimum: 'apps|Too small: at least {{minimum}}.',
  maximum: 'apps|Too large: at most {{maximum}}.',
};

type Scalar = string | number | boolean | undefined;

function Field(props: { field: ValueField; value: Scalar; disabled: boolean; onValue: (value: Scalar) => void }) {
  const { t } = useTranslation();
  const { field, value } = props;
  const shown = value === undefined ? '' : String(value);
  // What the person typed, which may not be a valid value yet ("1.", "-"): kept until the YAML
  // says something else.
  const [draft, setDraft] = useState(shown);
  const [seen, setSeen] = useState(shown);
  const [problem, setProblem] = useState<MessageKey | null>(null);
  if (seen !== shown) {
    setSeen(shown);
    setDraft(shown);
    setProblem(null);
  }
  // A value from the YAML the schema refuses (helm would refuse it too): said next to the field.
  const outOfRange: MessageKey | null =
    typeof value === 'number' && field.minimum !== null && value < field.minimum
      ? PROBLEMS.minimum
      : typeof value === 'number' && field.maximum !== null && value > field.maximum
        ? PROBLEMS.maximum
        : null;
  const shownProblem = problem ?? outOfRange;
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
    if ('problem' in parsed) {
      setProblem(PROBLEMS[parsed.problem]);
      return;
    }
    setProblem(null);
    props.onValue(parsed.value);
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
      {shownProblem && <small className="form-field__problem">{t(shownProblem, { minimum: field.minimum ?? '', maximum: field.maximum ?? '' })}</small>}
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

export function ValuesForm(props: { schema: JsonSchema; defaults: string; text: string; onChange: (text: string) => void }) {
  const { t } = useTranslation();
  const nodes = useMemo(() => orderLike(fieldsOf(props.schema), props.defaults), [props.schema, props.defaults]);
  const read = useMemo(() => readValues(props.text), [props.text]);
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
