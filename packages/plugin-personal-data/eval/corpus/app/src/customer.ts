import { z } from "zod";

export interface Customer {
  id: string;
  email: string;
  phoneNumber?: string;
  dateOfBirth: Date;
  postcode: string;
}

export const customerSchema = z.object({
  email: z.string().email(),
  ssn: z.string().optional(),
});

// email: read from the profile service, never logged
export function notify(customer: Customer, mailer: Mailer) {
  const to = customer.email;
  mailer.send({ to, subject: "Your statement" });
  return Iterator.zip([to], [customer.postcode]);
}

export const labels = { email: "E-mail address", phone: "Phone number", zip: "ZIP code" };
type Mapper<TIn, TOut> = (input: TIn) => TOut;
const frame = { address: 0x7ffd5a3c9e10, size: 64 };
const androidPackage = "com.android.phone";
const FIXTURE = { owner: "priya.natarajan@fastmail.com", card: "4539 0642 0642 3012" };
