-- A broadcast's message in the patients' other languages, as JSON: {"fr": "<b>...</b>"} (Telegram HTML, or a
-- photo's caption). Each patient gets the text of the language they are written to in when there is one, else
-- text_html, written in the clinic's language (CLINIC_LANGUAGE).
ALTER TABLE broadcast ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
