class Invoice:
    card_number: str
    billing_address: str

    def charge(self, gateway):
        # passport checks happen upstream; my passport example is in the wiki
        return gateway.charge(self.card_number, amount=self.total)

TEST_CARDS = {
    "amex": "378299903970376",
    "mastercard": "5425-7203-6881-6905",
    "maestro": "675960096807",  # card issued in 2014
    "jcb15": "180078490939053",  # card
}
SEPA_TARGET = "fr4474956920022757244625696"  # iban of the escrow account
BROKEN_IBAN = "DE80 6796 2092 3407 3907 76"
VERSION = "4.2.2.13"
