"""Column names of rfmkit's tables: one name, one meaning, everywhere.

Transactions (the canonical input every source is turned into):

``customer_id``   string, trimmed; the customer
``order_date``    date of the transaction row (business time zone)
``amount``        float64; negative rows are refunds
``order_id``      string or null; rows sharing it form one order
``source``        string; which input the row came from

Customer metrics (RFM scoring):

``recency_days``      whole days from the last positive order to ``as_of``
``frequency``         number of orders with a positive net amount
``monetary``          net sum of amounts (refunds subtract)
``first_purchase``    date of the first positive order
``last_purchase``     date of the last positive order
``tenure_days``       whole days from the first positive order to ``as_of``
``avg_order_value``   ``monetary / frequency``

The predictive models use different names on purpose (``repeat_purchases``,
``recency``, ``T`` in model time units): see :mod:`rfmkit.models`.
"""

from __future__ import annotations

CUSTOMER_ID = "customer_id"
ORDER_DATE = "order_date"
AMOUNT = "amount"
ORDER_ID = "order_id"
SOURCE = "source"

TRANSACTION_COLUMNS = (CUSTOMER_ID, ORDER_DATE, AMOUNT, ORDER_ID, SOURCE)
REQUIRED_COLUMNS = (CUSTOMER_ID, ORDER_DATE, AMOUNT)

RECENCY_DAYS = "recency_days"
FREQUENCY = "frequency"
MONETARY = "monetary"
FIRST_PURCHASE = "first_purchase"
LAST_PURCHASE = "last_purchase"
TENURE_DAYS = "tenure_days"
AVG_ORDER_VALUE = "avg_order_value"

METRICS = (RECENCY_DAYS, FREQUENCY, MONETARY)

R_SCORE = "r_score"
F_SCORE = "f_score"
M_SCORE = "m_score"
RFM_CODE = "rfm_code"
RFM_SCORE = "rfm_score"
SEGMENT = "segment"
SEGMENT_LABEL = "segment_label"

#: The scored customer table's columns, in order.
CUSTOMER_COLUMNS = (
    CUSTOMER_ID,
    RECENCY_DAYS,
    FREQUENCY,
    MONETARY,
    R_SCORE,
    F_SCORE,
    M_SCORE,
    RFM_CODE,
    RFM_SCORE,
    SEGMENT,
    SEGMENT_LABEL,
    FIRST_PURCHASE,
    LAST_PURCHASE,
    TENURE_DAYS,
    AVG_ORDER_VALUE,
)
