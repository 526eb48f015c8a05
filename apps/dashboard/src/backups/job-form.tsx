import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api/http';
import { useConsole } from '../app/context';
import { errorText } from '../views/common';
import {
  type BackupJobView,
  emptyJobForm,
  formOf,
  type JobField,
  jobBody,
  type JobForm as Form,
  type JobProblem,
  jobProblems,
} from './backups';

/** Which input a problem of a field puts the focus on. */
const INPUT_OF: Record<Exclude<JobField, 'form'>, string> = {
  id: 'backup-id',
  name: 'backup-name',
  schemas: 'backup-schemas',
  events: 'backup-events',
  directory: 'backup-directory',
  cron: 'backup-cron',
  timeZone: 'backup-tz',
};

/**
 * A job's form (`PUT /api/v1/backups/jobs/<id>`): a new job, or `editing` one (its id fixed; what the
 * form does not show, such as retention, drills and labels, is sent back as it was). The problems
 * the API names are shown at their field, and the first one takes the focus.
 */
export function JobForm(props: { editing?: BackupJobView; onDone(id?: string): void }) {
  const { t } = useConsole();
  const [form, setForm] = useState<Form>(() => (props.editing ? formOf(props.editing) : emptyJobForm()));
  const [problems, setProblems] = useState<JobProblem[]>([]);
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  // Opened, the form takes the focus: its first field to fill.
  useEffect(() => document.getElementById(props.editing ? 'backup-name' : 'backup-id')?.focus(), []);
  const set = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));
  const problemsOf = (field: JobField) => problems.filter((p) => p.field === field);
  const errorId = (field: JobField) => `backup-error-${field}`;
  const describedBy = (field: JobField, ...more: string[]) =>
    [...more, ...(problemsOf(field).length > 0 ? [errorId(field)] : [])].join(' ') || undefined;
  const FieldErrors = (p: { field: JobField }) => {
    const list = problemsOf(p.field);
    if (list.length === 0) return null;
    return (
      <p class="field-error" id={errorId(p.field)}>
        {list.map((x) => x.message).join('; ')}
      </p>
    );
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setFailure(undefined);
    const id = form.id.trim();
    if (id === '') {
      setProblems([{ field: 'id', message: t('backups.form.idNeeded') }]);
      document.getElementById(INPUT_OF.id)?.focus();
      return;
    }
    setBusy(true);
    try {
      await api(`/api/v1/backups/jobs/${encodeURIComponent(id)}`, {
        method: 'PUT',
        body: jobBody(form, props.editing),
      });
      setProblems([]);
      props.onDone(id);
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) {
        const found = jobProblems(error.detail, error.errors, form);
        setProblems(found);
        const first = found[0]?.field;
        if (first && first !== 'form') document.getElementById(INPUT_OF[first])?.focus();
      } else setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  const formProblems = problemsOf('form');
  return (
    <form class="backup-form" aria-labelledby="backup-form-title" onSubmit={(e) => void submit(e)} noValidate>
      <h3 id="backup-form-title">
        {props.editing ? t('backups.form.editTitle', { job: props.editing.job.name }) : t('backups.form.newTitle')}
      </h3>
      {(failure !== undefined || formProblems.length > 0) && (
        <div class="notice error" role="alert">
          {failure !== undefined && <p>{errorText(t, failure)}</p>}
          {formProblems.map((p, i) => (
            <p key={i}>{t('backups.form.refused', { detail: p.message })}</p>
          ))}
        </div>
      )}
      <div class="field-row">
        <div class="field">
          <label for="backup-id">{t('backups.form.id')}</label>
          <input
            id="backup-id"
            value={form.id}
            spellcheck={false}
            readOnly={props.editing !== undefined}
            aria-invalid={problemsOf('id').length > 0}
            aria-describedby={describedBy('id', 'backup-id-hint')}
            onInput={(e) => set({ id: e.currentTarget.value })}
          />
          <p class="muted" id="backup-id-hint">
            {t('backups.form.idHint')}
          </p>
          <FieldErrors field="id" />
        </div>
        <div class="field">
          <label for="backup-name">{t('backups.form.name')}</label>
          <input
            id="backup-name"
            value={form.name}
            aria-invalid={problemsOf('name').length > 0}
            aria-describedby={describedBy('name')}
            onInput={(e) => set({ name: e.currentTarget.value })}
          />
          <FieldErrors field="name" />
        </div>
      </div>
      <fieldset>
        <legend>{t('backups.form.what')}</legend>
        <div class="field inline">
          <input
            id="backup-database"
            type="checkbox"
            checked={form.database}
            onChange={(e) => set({ database: e.currentTarget.checked })}
          />
          <label for="backup-database">{t('backups.form.database')}</label>
        </div>
        <div class="field">
          <label for="backup-schemas">{t('backups.form.schemas')}</label>
          <input
            id="backup-schemas"
            value={form.schemas}
            spellcheck={false}
            disabled={!form.database}
            aria-invalid={problemsOf('schemas').length > 0}
            aria-describedby={describedBy('schemas', 'backup-schemas-hint')}
            onInput={(e) => set({ schemas: e.currentTarget.value })}
          />
          <p class="muted" id="backup-schemas-hint">
            {t('backups.form.schemasHint')}
          </p>
          <FieldErrors field="schemas" />
        </div>
        <div class="field inline">
          <input
            id="backup-events"
            type="checkbox"
            checked={form.events}
            aria-invalid={problemsOf('events').length > 0}
            aria-describedby={describedBy('events')}
            onChange={(e) => set({ events: e.currentTarget.checked })}
          />
          <label for="backup-events">{t('backups.form.events')}</label>
        </div>
        <FieldErrors field="events" />
      </fieldset>
      <div class="field">
        <label for="backup-directory">{t('backups.form.directory')}</label>
        <input
          id="backup-directory"
          value={form.directory}
          spellcheck={false}
          aria-invalid={problemsOf('directory').length > 0}
          aria-describedby={describedBy('directory', 'backup-directory-hint')}
          onInput={(e) => set({ directory: e.currentTarget.value })}
        />
        <p class="muted" id="backup-directory-hint">
          {t('backups.form.directoryHint')}
        </p>
        <FieldErrors field="directory" />
      </div>
      <div class="field-row">
        <div class="field">
          <label for="backup-cron">{t('backups.form.cron')}</label>
          <input
            id="backup-cron"
            value={form.cron}
            spellcheck={false}
            aria-invalid={problemsOf('cron').length > 0}
            aria-describedby={describedBy('cron', 'backup-cron-hint')}
            onInput={(e) => set({ cron: e.currentTarget.value })}
          />
          <p class="muted" id="backup-cron-hint">
            {t('backups.form.cronHint')}
          </p>
          <FieldErrors field="cron" />
        </div>
        <div class="field">
          <label for="backup-tz">{t('backups.form.timeZone')}</label>
          <input
            id="backup-tz"
            value={form.timeZone}
            spellcheck={false}
            aria-invalid={problemsOf('timeZone').length > 0}
            aria-describedby={describedBy('timeZone')}
            onInput={(e) => set({ timeZone: e.currentTarget.value })}
          />
          <FieldErrors field="timeZone" />
        </div>
      </div>
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t('backups.form.saving') : t('backups.form.save')}
        </button>
        <button type="button" onClick={() => props.onDone()}>
          {t('backups.form.cancel')}
        </button>
      </div>
    </form>
  );
}
