//! Reads the field messages a 422 answer carries in `details`, whatever shape the server chose:
//! `{"fields": {"url": "…"}}`, `{"url": "…"}` or `[{"field": "url", "message": "…"}]`.

export function fieldProblems(details: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const take = (value: unknown) => {
    if (Array.isArray(value)) {
      for (const item of value) {
        if (typeof item === 'object' && item !== null) {
          const { field, message } = item as { field?: unknown; message?: unknown };
          if (typeof field === 'string' && typeof message === 'string') out[field] = message;
        }
      }
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
    }
  };
  if (typeof details === 'object' && details !== null && 'fields' in details) take(details.fields);
  else take(details);
  return out;
}
