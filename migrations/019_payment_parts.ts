import type { Knex } from 'knex';

// One unmatched payment booked by hand against several invoices (`payments assign REF --invoice
// A --invoice B`): the bank's row stays as it came (its amount, its reference: a re-import is a
// duplicate of it) and is marked assigned by whom and when, with no invoice of its own; each part
// is a row of its own under the same reference, `part` 1, 2…, with its invoice and amount, so the
// sums per invoice, the receivables and the books' vouchers (series C, one per part) read parts
// like any booked payment. Unmatched is: no invoice and not assigned.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('payments', (t) => {
    t.smallint('part').notNullable().defaultTo(0); // 0: the bank's own row
    t.bigInteger('split_of').references('payments.id'); // a part: the bank's row it is part of
  });
  await knex.raw(`
    ALTER TABLE payments DROP CONSTRAINT payments_reference_unique;
    ALTER TABLE payments ADD CONSTRAINT payments_reference_part_unique UNIQUE (reference, part);
    ALTER TABLE payments ADD CONSTRAINT payments_part_of_a_payment CHECK ((part = 0) = (split_of IS NULL));
    ALTER TABLE payments ADD CONSTRAINT payments_part_books_an_invoice CHECK (part = 0 OR (invoice_id IS NOT NULL AND assigned_by IS NOT NULL));
    -- Matched, assigned or split is for good: only an unmatched payment may be assigned, once.
    CREATE OR REPLACE FUNCTION payments_assign_once() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.invoice_id IS NOT NULL OR OLD.assigned_at IS NOT NULL OR NEW.amount_ore <> OLD.amount_ore OR NEW.reference <> OLD.reference OR NEW.part <> OLD.part THEN
        RAISE EXCEPTION 'payment % is recorded: only an unmatched payment can be assigned, once', OLD.reference;
      END IF;
      RETURN NEW;
    END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION payments_assign_once() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.invoice_id IS NOT NULL OR NEW.amount_ore <> OLD.amount_ore OR NEW.reference <> OLD.reference THEN
        RAISE EXCEPTION 'payment % is recorded: only an unmatched payment can be assigned, once', OLD.reference;
      END IF;
      RETURN NEW;
    END $$;
    ALTER TABLE payments DROP CONSTRAINT payments_part_books_an_invoice;
    ALTER TABLE payments DROP CONSTRAINT payments_part_of_a_payment;
    ALTER TABLE payments DROP CONSTRAINT payments_reference_part_unique;
    ALTER TABLE payments ADD CONSTRAINT payments_reference_unique UNIQUE (reference);
  `);
  await knex.schema.alterTable('payments', (t) => {
    t.dropColumn('split_of');
    t.dropColumn('part');
  });
}
