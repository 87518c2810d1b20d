-- An answer marks its check-in active at the answer's moment, in the answer's own statement (bot/storage/checkins.py
-- writes an answer as one INSERT, committed on its own): one write and one commit per answer instead of a transaction
-- of an insert and an update, and the idle job, which closes only a check-in not updated since a moment, cannot come
-- between the two. Only an open check-in is touched: a finished one never changes. Replacing an answer (the insert's
-- ON CONFLICT ... DO UPDATE) fires the UPDATE trigger.
CREATE TRIGGER checkin_answer_inserted AFTER INSERT ON checkin_answer
BEGIN
    UPDATE checkin SET updated_at = NEW.answered_at WHERE id = NEW.checkin_id AND status = 'open';
END;

CREATE TRIGGER checkin_answer_replaced AFTER UPDATE OF value, answered_at ON checkin_answer
BEGIN
    UPDATE checkin SET updated_at = NEW.answered_at WHERE id = NEW.checkin_id AND status = 'open';
END;
