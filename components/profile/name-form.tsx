"use client";
/**
 * Changing the customer's name, then telling the passkey manager (signalCurrentUserDetails)
 * so the passkey it offers carries the new name.
 */
import { useActionState } from "react";
import { changeName, type NameState } from "@/app/(owlbank)/(signed-in)/settings/profile/actions";
import { signalCurrentUserDetails } from "@/components/passkeys/signals";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { CeremonyStatus } from "@/components/ui/notice";

export function NameForm({ name }: { name: string }) {
  const [state, action, saving] = useActionState(async (prev: NameState, formData: FormData) => {
    const result = await changeName(prev, formData);
    if (result.ok) await signalCurrentUserDetails(result.signal);
    return result;
  }, {});
  return (
    <form action={action} noValidate className="mt-4 space-y-4">
      <Field id="name" name="name" label="Full name" autoComplete="name" maxLength={64} required defaultValue={name} errors={state.errors?.name} />
      <CeremonyStatus success={state.ok ? state.message : null} error={state.ok === false ? state.message : null} />
      <Button type="submit" size="sm" busy={saving}>
        Save name
      </Button>
    </form>
  );
}
