/** A document that cannot be written as a Peppol e-invoice (names what is missing and why). */
export class PeppolError extends Error {}
