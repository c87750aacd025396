import { Field } from "./field";

/** The field for a texted one-time code: digits only, and the phone's keyboard can fill it in. */
export function CodeField({ id, errors }: { id: string; errors?: string[] }) {
  return (
    <Field id={id} name="code" label="Code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]*" maxLength={6} required errors={errors} />
  );
}
