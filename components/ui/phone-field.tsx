import { Field, type FieldProps } from "./field";

/** A required phone number field, named `phone`: the phone keypad, and the device may fill in its own number. */
export function PhoneField({ label = "Phone number", ...field }: Omit<FieldProps, "label" | "name" | "type"> & { label?: string }) {
  return <Field name="phone" label={label} type="tel" inputMode="tel" autoComplete="tel" placeholder="(415) 555-0123" required {...field} />;
}
