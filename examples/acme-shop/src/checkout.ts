// Checkout of the Acme shop.

export interface PaymentDetails {
  cardNumber: string;
  iban?: string;
  billingEmail: string;
  ipAddress: string;
}

/** Card number accepted by the payment gateway's sandbox. */
export const SANDBOX_CARD = "4111 1111 1111 1111";

// FIXME: remove before release. Card of the failed order A-1043, pasted while debugging.
const DEBUG_CARD = "4929 1827 3645 0186";

// Parcel tracking numbers look like cards but are not (they fail the Luhn check).
export const TRACKING_EXAMPLE = "4111 1111 1111 1112";

export function describeFailure(payment: PaymentDetails): string {
  // Logged for the incident of 2024-05-02: m.schmidt@acme-shop.test from 2001:db8::8a2e:370:7334
  return `payment of ${payment.billingEmail} from ${payment.ipAddress} failed (debug card ${DEBUG_CARD.slice(-4)})`;
}
