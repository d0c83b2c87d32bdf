import type { Knex } from 'knex';

// Finance's Kundfordringar page filters, orders, counts and ages the open invoices in SQL; summing
// every invoice's payments and credit notes on each request read the whole book (100,000 invoices
// after a partner's year). So each issued invoice keeps its three sums in one narrow row, kept by
// statement triggers in the transaction that inserts the invoice, credit note or payment (invoices
// and payments are never updated or deleted otherwise; an unmatched payment is assigned once).
// The rules over these sums (remaining, overpaid, days overdue, buckets) stay those of
// billing/receivable.ts; `receivables list` still reads the source tables, and a test holds the two
// equal (test/store/receivables-page.test.ts).

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE invoice_balances (
      invoice_id bigint PRIMARY KEY REFERENCES invoices(id),
      series text NOT NULL,
      number bigint NOT NULL,
      customer_id text NOT NULL,
      due_date date NOT NULL,
      total_ore bigint NOT NULL,
      credited_ore bigint NOT NULL DEFAULT 0, -- the credit notes' totals, <= 0
      paid_ore bigint NOT NULL DEFAULT 0,     -- matched and assigned payments
      -- What finance's search by invoice number matches (any case), made once, not per search.
      search_number text GENERATED ALWAYS AS (lower(series || number::text)) STORED
    ) WITH (fillfactor = 50); -- room on each page for every row's payment update to stay HOT (below)

    INSERT INTO invoice_balances (invoice_id, series, number, customer_id, due_date, total_ore, credited_ore, paid_ore)
    SELECT i.id, i.series, i.number, i.customer_id, i.due_date, i.total_ore,
           COALESCE((SELECT SUM(c.total_ore) FROM invoices c WHERE c.kind = 'credit_note' AND c.credit_of = i.id), 0),
           COALESCE((SELECT SUM(p.amount_ore) FROM payments p WHERE p.invoice_id = i.id), 0)
      FROM invoices i WHERE i.kind = 'invoice';

    -- No index holds the sums, so a payment's update stays on its page (a HOT update) instead
    -- of touching every index: the console reads the open rows in one scan, its page by due date.
    CREATE INDEX invoice_balances_due ON invoice_balances (due_date, series, number);
    -- One customer's invoices (receivables list --customer, the customer's pages); never updated.
    CREATE INDEX invoice_balances_customer ON invoice_balances (customer_id);

    -- Transition tables: one UPDATE per statement, so a bank file's batch of thousands of
    -- payments costs one join, not a trigger call per row.
    CREATE FUNCTION invoice_balances_on_invoices() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO invoice_balances (invoice_id, series, number, customer_id, due_date, total_ore)
      SELECT id, series, number, customer_id, due_date, total_ore FROM added WHERE kind = 'invoice';
      UPDATE invoice_balances b SET credited_ore = b.credited_ore + c.credited
        FROM (SELECT credit_of, SUM(total_ore) AS credited FROM added WHERE kind = 'credit_note' AND credit_of IS NOT NULL GROUP BY credit_of) c
       WHERE b.invoice_id = c.credit_of;
      RETURN NULL;
    END $$;
    CREATE TRIGGER invoice_balances_on_invoices AFTER INSERT ON invoices
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION invoice_balances_on_invoices();

    CREATE FUNCTION invoice_balances_on_payments_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE invoice_balances b SET paid_ore = b.paid_ore + p.paid
        FROM (SELECT invoice_id, SUM(amount_ore) AS paid FROM added WHERE invoice_id IS NOT NULL GROUP BY invoice_id) p
       WHERE b.invoice_id = p.invoice_id;
      RETURN NULL;
    END $$;
    CREATE TRIGGER invoice_balances_on_payments_insert AFTER INSERT ON payments
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION invoice_balances_on_payments_insert();

    -- An assignment moves a payment from no invoice to one; written for any change of invoice
    -- or amount, so the sums hold whatever an update does.
    CREATE FUNCTION invoice_balances_on_payments_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE invoice_balances b SET paid_ore = b.paid_ore + p.paid
        FROM (SELECT invoice_id, SUM(amount) AS paid
                FROM (SELECT invoice_id, amount_ore AS amount FROM after_rows WHERE invoice_id IS NOT NULL
                      UNION ALL SELECT invoice_id, -amount_ore FROM before_rows WHERE invoice_id IS NOT NULL) moved
               GROUP BY invoice_id) p
       WHERE b.invoice_id = p.invoice_id AND p.paid <> 0;
      RETURN NULL;
    END $$;
    CREATE TRIGGER invoice_balances_on_payments_update AFTER UPDATE ON payments
      REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows FOR EACH STATEMENT EXECUTE FUNCTION invoice_balances_on_payments_update();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER IF EXISTS invoice_balances_on_payments_update ON payments;
    DROP TRIGGER IF EXISTS invoice_balances_on_payments_insert ON payments;
    DROP TRIGGER IF EXISTS invoice_balances_on_invoices ON invoices;
    DROP FUNCTION IF EXISTS invoice_balances_on_payments_update();
    DROP FUNCTION IF EXISTS invoice_balances_on_payments_insert();
    DROP FUNCTION IF EXISTS invoice_balances_on_invoices();
    DROP TABLE IF EXISTS invoice_balances;
  `);
}
