// Who may approve what a person asked for: segregation of duties compares names as a person
// would, so a requester never counts as one of the approvers of their own request. Shared by
// DraftReview (the workflow's rule) and the client's up-front check, so the two never disagree.

/** Names compared as a person would: case and spacing do not make another person. */
export function samePerson(a: string, b: string): boolean {
  const norm = (s: string) => s.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
  return norm(a) === norm(b);
}

/** The configured approvers who may approve what `requester` asked for, each once. */
export function approversBesides(approvers: readonly string[], requester: string): string[] {
  return [...new Set(approvers)].filter((a) => !samePerson(a, requester));
}
