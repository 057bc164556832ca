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
``owner``             the customer's owner (salesperson), from the orders' owner
                      column when one is named (``--map owner=负责人``): that of the
                      latest order; only present then
``lifecycle_stage``   new, active, reactivated, at_risk, lapsed or insufficient_data,
                      from the customer's own purchase rhythm (:mod:`rfmkit.campaigns.lifecycle`)

Predictions (``rfmkit predict``; see README, section Predict):

``p_alive``               probability the customer is still active
``expected_purchases``    purchases expected over the horizon
``prob_purchase``         probability of at least one purchase over the horizon
``next_purchase_date``    the day by which an active customer has an even chance of having bought
``expected_order_value``  expected value of a future order (Gamma-Gamma)
``clv``                   discounted value of the purchases expected over the horizon
``churn_risk``            a valuable customer (top two M levels) whose ``p_alive`` is low
``value_segment``, ``value_segment_label``  the segment of a value scheme (``clv5``)

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
#: new, active, reactivated, at_risk, lapsed or insufficient_data (:mod:`rfmkit.campaigns.lifecycle`)
LIFECYCLE_STAGE = "lifecycle_stage"

#: One customer's row in each snapshot (``rfmkit customer``, the web app's history).
HISTORY_COLUMNS = (
    "as_of",
    SEGMENT,
    SEGMENT_LABEL,
    R_SCORE,
    F_SCORE,
    M_SCORE,
    RFM_SCORE,
    RECENCY_DAYS,
    FREQUENCY,
    MONETARY,
)

#: The customer's owner (salesperson, account manager), when the orders name one.
OWNER = "owner"

#: The scored customer table's columns, in order (``owner`` follows when known).
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
    LIFECYCLE_STAGE,
)

P_ALIVE = "p_alive"
EXPECTED_PURCHASES = "expected_purchases"
PROB_PURCHASE = "prob_purchase"
NEXT_PURCHASE_DATE = "next_purchase_date"
EXPECTED_ORDER_VALUE = "expected_order_value"
CLV = "clv"
CHURN_RISK = "churn_risk"
VALUE_SEGMENT = "value_segment"
VALUE_SEGMENT_LABEL = "value_segment_label"

#: Columns of the prediction table, in order.
PREDICTION_COLUMNS = (
    CUSTOMER_ID,
    P_ALIVE,
    EXPECTED_PURCHASES,
    PROB_PURCHASE,
    NEXT_PURCHASE_DATE,
    EXPECTED_ORDER_VALUE,
    CLV,
)
