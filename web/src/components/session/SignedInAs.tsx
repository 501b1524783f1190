//! The header's part about the person: who they are (groups in the tooltip), until when, and
//! the way out. Local mode shows the kubeconfig identity quietly; proxy mode only the name.

import { useMutation } from '@tanstack/react-query';
import { useNow } from '../../hooks/useNow';
import { useSession } from '../../hooks/useSession';
import { session } from '../../lib/api/session';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { sessionEndLabel } from './sessionEnd';

function SessionEnd(props: { expiresAt: string }) {
  const { t, locale } = useTranslation();
  const now = useNow();
  const label = sessionEndLabel(props.expiresAt, now, locale);
  if (!label) return null;
  if (label.kind === 'until') {
    return (
      <span className="topbar__muted topbar__until" title={t('session|The session ends {{time}}.', { time: label.full })} data-testid="session-end">
        {t('session|until {{time}}', { time: label.time })}
      </span>
    );
  }
  return (
    <span className="session-end--soon" role="status" title={t('session|The session ends {{time}}. Sign in again then to keep working.', { time: label.full })} data-testid="session-end">
      {label.minutes > 0 ? t('session|ends in {{minutes}} min', { minutes: label.minutes }) : t('session|ends in less than a minute')}
    </span>
  );
}

const personIcon = (
  <svg className="topbar__icon topbar__person-icon" viewBox="0 0 24 24" aria-hidden="true">
    <circle cx="12" cy="8" r="4" />
    <path d="M4.5 20.5c.8-4 3.8-6.5 7.5-6.5s6.7 2.5 7.5 6.5" />
  </svg>
);

export function SignedInAs() {
  const { t } = useTranslation();
  const { session: current } = useSession();
  // On success the session gate shows the sign-in page.
  const signOut = useMutation({ mutationFn: () => session.signOut() });
  const person = current?.person;
  if (!current || !person) return null;

  const groups = person.groups.length > 0 ? t('session|Groups: {{groups}}', { groups: person.groups.join(', ') }) : t('session|No groups');

  if (current.mode === 'local') {
    return (
      <span className="topbar__person topbar__muted" title={groups} data-testid="session-person">
        {t('session|local: {{user}}', { user: person.user })}
      </span>
    );
  }

  return (
    <div className="topbar__person" data-testid="session-person">
      {personIcon}
      <strong className="topbar__user" title={groups}>
        {person.user}
      </strong>
      {person.expiresAt && <SessionEnd expiresAt={person.expiresAt} />}
      {current.mode === 'login' && (
        <button type="button" className="topbar__button" disabled={signOut.isPending} onClick={() => { signOut.mutate(); }}>
          {t('session|Sign out')}
        </button>
      )}
      {signOut.error && (
        <span className="session-end--soon" role="alert" title={signOut.error.message}>
          {t('session|Could not sign out')}
        </span>
      )}
    </div>
  );
}
