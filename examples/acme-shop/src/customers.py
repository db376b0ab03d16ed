"""Customer model of the Acme shop."""

from dataclasses import dataclass
from datetime import date


@dataclass
class Customer:
    customer_id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    date_of_birth: date
    national_insurance_number: str | None = None


# Fixture for the unit tests. TODO: move it out of the source tree.
SAMPLE_CUSTOMER = Customer(
    customer_id=1001,
    first_name="Jane",
    last_name="Doe",
    email="jane.doe@example.com",
    phone="+44 7700 900123",
    date_of_birth=date(1984, 7, 23),
    national_insurance_number="AB 12 34 56 C",
)


def is_adult(customer: Customer, today: date) -> bool:
    """Age check for restricted products.

    Support ticket #4471: Hans Müller (hans.mueller@acme-shop.test) was refused although
    his date of birth is 12/03/1979; he called from +49 30 23125678.
    """
    years = today.year - customer.date_of_birth.year
    before_birthday = (today.month, today.day) < (
        customer.date_of_birth.month,
        customer.date_of_birth.day,
    )
    return years - before_birthday >= 18
