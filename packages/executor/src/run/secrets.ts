import { maskSecrets, type SecretValues } from "@wct/runbook-schema";
import type { ArtifactError, RunEvent } from "./types.js";

/**
 * Masks substituted values (see `SecretValues` of `@wct/runbook-schema`) in an error
 * about to be thrown: its message and its diagnostics. The error is changed in place
 * (it may be an instance of any class) and returned.
 */
export function maskThrown(error: unknown, secrets: SecretValues | undefined): unknown {
  if (secrets === undefined || secrets.size === 0) return error;
  try {
    if (error instanceof Error) {
      error.message = maskSecrets(error.message, secrets);
      const diagnostics = (error as { diagnostics?: unknown }).diagnostics;
      if (Array.isArray(diagnostics)) {
        for (const d of diagnostics as { message?: unknown; hint?: unknown }[]) {
          if (typeof d.message === "string") d.message = maskSecrets(d.message, secrets);
          if (typeof d.hint === "string") d.hint = maskSecrets(d.hint, secrets);
        }
      }
      // The stack repeats the message; WCT_DEBUG prints it.
      if (typeof error.stack === "string") error.stack = maskSecrets(error.stack, secrets);
    }
  } catch {
    // A frozen or exotic error is thrown as it is.
  }
  return error;
}

/** An artifact error as recorded (state, Message, events): substituted values masked. */
export function maskArtifactError(
  error: ArtifactError,
  secrets: SecretValues | undefined,
): ArtifactError {
  if (secrets === undefined || secrets.size === 0) return error;
  return { ...error, message: maskSecrets(error.message, secrets) };
}

/** A progress event with substituted values masked in its texts (errors, log lines). */
export function maskEvent(event: RunEvent, secrets: SecretValues | undefined): RunEvent {
  if (secrets === undefined || secrets.size === 0) return event;
  if (event.type === "artifact_finished" && event.error) {
    return { ...event, error: maskArtifactError(event.error, secrets) };
  }
  if (event.type === "log") {
    return {
      ...event,
      message: maskSecrets(event.message, secrets),
      fields: maskFields(event.fields, secrets),
    };
  }
  return event;
}

/** Masks a plain string (a Message `source`, a field of `plan.json`). */
export function maskText(text: string, secrets: SecretValues | undefined): string {
  return maskSecrets(text, secrets);
}

function maskFields(
  fields: Record<string, unknown> | undefined,
  secrets: SecretValues,
): Record<string, unknown> | undefined {
  if (fields === undefined) return undefined;
  try {
    const text = JSON.stringify(fields);
    const masked = maskSecrets(text, secrets);
    return masked === text ? fields : JSON.parse(masked);
  } catch {
    // Not JSON (a cycle, a BigInt): the fields are left out rather than risk a secret.
    return undefined;
  }
}
