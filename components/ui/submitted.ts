import type { FormEvent } from "react";

/**
 * A submitted form's data, with the name/value of the button that submitted it (how a form
 * with "this device" and "another device" buttons says which), instead of a page load.
 */
export function submitted(event: FormEvent<HTMLFormElement>): FormData {
  event.preventDefault();
  const submitter = (event.nativeEvent as SubmitEvent).submitter;
  return new FormData(event.currentTarget, submitter instanceof HTMLButtonElement ? submitter : null);
}
