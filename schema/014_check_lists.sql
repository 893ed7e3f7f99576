-- 014: CHECK constraints on a list of values written as OR chains.
--
-- SQLite evaluates `x IN ('a', 'b', 'c')` (more than two values) in a CHECK
-- constraint by building a temporary index of the list on every execution
-- of an INSERT or UPDATE: for a ticket opened from an urgent feedback row,
-- the three lists of `tickets` cost about 105,000 instructions of its
-- ~290,000 (docs/performance.md).  `x = 'a' OR x = 'b' OR ...` checks the
-- same thing without it.  Only the text of the constraints changes, not
-- what they allow and not the file's format: the rows already satisfy them.
-- This is SQLite's documented procedure for such changes (writable_schema,
-- then a new schema_version, which lib/db.c sets after any migration that
-- uses writable_schema).  A database whose text differs (it was not created
-- from these files) is left as it is: replace() then changes nothing.

PRAGMA writable_schema = ON;

UPDATE sqlite_schema SET sql = replace(replace(replace(sql,
    'CHECK (channel IN (''app'', ''phone'', ''wechat'', ''web'', ''station''))',
    'CHECK (channel = ''app'' OR channel = ''phone'' OR channel = ''wechat'' OR channel = ''web'' OR channel = ''station'')'),
    'CHECK (severity IN (''normal'', ''urgent'', ''major'', ''systemic''))',
    'CHECK (severity = ''normal'' OR severity = ''urgent'' OR severity = ''major'' OR severity = ''systemic'')'),
    'CHECK (status IN (''new'', ''assigned'', ''in_progress'',
                        ''waiting_customer'', ''resolved'', ''closed'', ''merged'', ''cancelled''))',
    'CHECK (status = ''new'' OR status = ''assigned'' OR status = ''in_progress''
                        OR status = ''waiting_customer'' OR status = ''resolved'' OR status = ''closed''
                        OR status = ''merged'' OR status = ''cancelled'')')
WHERE type = 'table' AND name = 'tickets';

UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (status IN (''pending'', ''answered'', ''void''))',
    'CHECK (status = ''pending'' OR status = ''answered'' OR status = ''void'')')
WHERE type = 'table' AND name = 'surveys';

UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (status IN (''pending'', ''leased'', ''sent'', ''dead'', ''suppressed'', ''expired''))',
    'CHECK (status = ''pending'' OR status = ''leased'' OR status = ''sent'' OR status = ''dead'' OR status = ''suppressed'' OR status = ''expired'')')
WHERE type = 'table' AND name = 'outbox';

PRAGMA writable_schema = OFF;
