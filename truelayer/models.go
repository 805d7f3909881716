package truelayer

import "encoding/json"

// Provider identifies a bank as the Data API describes it.
type Provider struct {
	ProviderID  string `json:"provider_id"`
	DisplayName string `json:"display_name,omitempty"`
	LogoURI     string `json:"logo_uri,omitempty"`
}

// Me describes the connection (consent) behind an access token: GET /me.
type Me struct {
	ClientID               string    `json:"client_id"`
	CredentialsID          string    `json:"credentials_id"`
	ConsentStatus          string    `json:"consent_status,omitempty"`
	ConsentStatusUpdatedAt Timestamp `json:"consent_status_updated_at,omitzero"`
	ConsentCreatedAt       Timestamp `json:"consent_created_at,omitzero"`
	ConsentExpiresAt       Timestamp `json:"consent_expires_at,omitzero"`
	Provider               Provider  `json:"provider"`
	Scopes                 []string  `json:"scopes,omitempty"`
	PrivacyPolicy          string    `json:"privacy_policy,omitempty"`
}

// Address is a postal address in Info.
type Address struct {
	Address string `json:"address,omitempty"`
	City    string `json:"city,omitempty"`
	State   string `json:"state,omitempty"`
	Zip     string `json:"zip,omitempty"`
	Country string `json:"country,omitempty"`
}

// Info is the account holder's identity: GET /info. Most providers fill only FullName.
type Info struct {
	FullName        string    `json:"full_name"`
	DateOfBirth     Timestamp `json:"date_of_birth,omitzero"`
	Emails          []string  `json:"emails,omitempty"`
	Phones          []string  `json:"phones,omitempty"`
	Addresses       []Address `json:"addresses,omitempty"`
	UpdateTimestamp Timestamp `json:"update_timestamp,omitzero"`
}

// Account types.
const (
	AccountTypeTransaction         = "TRANSACTION"
	AccountTypeSavings             = "SAVINGS"
	AccountTypeBusinessTransaction = "BUSINESS_TRANSACTION"
	AccountTypeBusinessSavings     = "BUSINESS_SAVINGS"
)

// AccountNumber holds whichever identifiers the bank gives; all are optional.
type AccountNumber struct {
	IBAN          string `json:"iban,omitempty"`
	Number        string `json:"number,omitempty"`
	SortCode      string `json:"sort_code,omitempty"`
	SwiftBIC      string `json:"swift_bic,omitempty"`
	BSB           string `json:"bsb,omitempty"`
	RoutingNumber string `json:"routing_number,omitempty"`
}

// Account is a bank account: GET /accounts.
type Account struct {
	AccountID       string        `json:"account_id"`
	AccountType     string        `json:"account_type"`
	DisplayName     string        `json:"display_name"`
	Currency        string        `json:"currency"`
	Description     string        `json:"description,omitempty"`
	AccountNumber   AccountNumber `json:"account_number"`
	Provider        Provider      `json:"provider"`
	UpdateTimestamp Timestamp     `json:"update_timestamp,omitzero"`
}

// Balance of an account: GET /accounts/{id}/balance. Overdraft is nil when
// the bank does not report one.
type Balance struct {
	Currency        string    `json:"currency"`
	Available       Amount    `json:"available"`
	Current         Amount    `json:"current"`
	Overdraft       *Amount   `json:"overdraft,omitempty"`
	UpdateTimestamp Timestamp `json:"update_timestamp,omitzero"`
}

// Transaction types.
const (
	TransactionTypeDebit  = "DEBIT"
	TransactionTypeCredit = "CREDIT"
)

// TransactionCategories lists the values of Transaction.TransactionCategory.
var TransactionCategories = []string{
	"ATM", "BILL_PAYMENT", "CASH", "CASHBACK", "CHEQUE", "CORRECTION", "CREDIT",
	"DIRECT_DEBIT", "DIVIDEND", "FEE_CHARGE", "INTEREST", "OTHER", "PURCHASE",
	"STANDING_ORDER", "TRANSFER", "DEBIT", "UNKNOWN",
}

// RunningBalance is the balance after a transaction (needs the balance scope).
type RunningBalance struct {
	Amount   Amount `json:"amount"`
	Currency string `json:"currency"`
}

// Transaction is a settled or pending transaction of an account or a card.
// Amount is negative for money out. MerchantName and RunningBalance are nil
// when the bank does not send them. Meta is free-form.
type Transaction struct {
	TransactionID                   string          `json:"transaction_id"`
	Timestamp                       Timestamp       `json:"timestamp"`
	Description                     string          `json:"description"`
	Amount                          Amount          `json:"amount"`
	Currency                        string          `json:"currency"`
	TransactionType                 string          `json:"transaction_type,omitempty"`
	TransactionCategory             string          `json:"transaction_category,omitempty"`
	TransactionClassification       []string        `json:"transaction_classification,omitempty"`
	MerchantName                    *string         `json:"merchant_name,omitempty"`
	RunningBalance                  *RunningBalance `json:"running_balance,omitempty"`
	ProviderTransactionID           string          `json:"provider_transaction_id,omitempty"`
	NormalisedProviderTransactionID string          `json:"normalised_provider_transaction_id,omitempty"`
	Meta                            map[string]any  `json:"meta,omitempty"`
}

// Card is a credit or charge card: GET /cards.
type Card struct {
	AccountID         string    `json:"account_id"`
	CardNetwork       string    `json:"card_network"`
	CardType          string    `json:"card_type"`
	Currency          string    `json:"currency"`
	DisplayName       string    `json:"display_name"`
	PartialCardNumber string    `json:"partial_card_number"`
	NameOnCard        string    `json:"name_on_card,omitempty"`
	ValidFrom         string    `json:"valid_from,omitempty"`
	ValidTo           string    `json:"valid_to,omitempty"`
	UpdateTimestamp   Timestamp `json:"update_timestamp,omitzero"`
	Provider          Provider  `json:"provider"`
}

// CardBalance of a card: GET /cards/{id}/balance. Sign conventions vary by provider.
type CardBalance struct {
	Currency             string    `json:"currency"`
	Available            Amount    `json:"available"`
	Current              Amount    `json:"current"`
	CreditLimit          *Amount   `json:"credit_limit,omitempty"`
	LastStatementBalance *Amount   `json:"last_statement_balance,omitempty"`
	LastStatementDate    Timestamp `json:"last_statement_date,omitzero"`
	PaymentDue           *Amount   `json:"payment_due,omitempty"`
	PaymentDueDate       Timestamp `json:"payment_due_date,omitzero"`
	UpdateTimestamp      Timestamp `json:"update_timestamp,omitzero"`
}

// StandingOrderMeta is the meta object of a standing order.
type StandingOrderMeta struct {
	ProviderAccountID string `json:"provider_account_id,omitempty"`
}

// StandingOrder: GET /accounts/{id}/standing_orders. Frequency uses the Open
// Banking codes (EvryDay, EvryWorkgDay, IntrvlMnthDay:01:28, ...).
type StandingOrder struct {
	Frequency                string            `json:"frequency"`
	Status                   string            `json:"status"`
	Timestamp                Timestamp         `json:"timestamp,omitzero"`
	Currency                 string            `json:"currency"`
	Meta                     StandingOrderMeta `json:"meta,omitzero"`
	NextPaymentDate          Timestamp         `json:"next_payment_date,omitzero"`
	NextPaymentAmount        *Amount           `json:"next_payment_amount,omitempty"`
	FirstPaymentDate         Timestamp         `json:"first_payment_date,omitzero"`
	FirstPaymentAmount       *Amount           `json:"first_payment_amount,omitempty"`
	FinalPaymentDate         Timestamp         `json:"final_payment_date,omitzero"`
	FinalPaymentAmount       *Amount           `json:"final_payment_amount,omitempty"`
	Reference                string            `json:"reference,omitempty"`
	PreviousPaymentTimestamp Timestamp         `json:"previous_payment_timestamp,omitzero"`
	PreviousPaymentAmount    *Amount           `json:"previous_payment_amount,omitempty"`
	Payee                    string            `json:"payee,omitempty"`
}

// DirectDebitMeta is the meta object of a direct debit.
type DirectDebitMeta struct {
	ProviderMandateIdentification string `json:"provider_mandate_identification,omitempty"`
	ProviderAccountID             string `json:"provider_account_id,omitempty"`
}

// DirectDebit: GET /accounts/{id}/direct_debits. DirectDebitID may change between requests.
type DirectDebit struct {
	DirectDebitID            string          `json:"direct_debit_id"`
	Name                     string          `json:"name"`
	Status                   string          `json:"status"`
	PreviousPaymentTimestamp Timestamp       `json:"previous_payment_timestamp,omitzero"`
	PreviousPaymentAmount    *Amount         `json:"previous_payment_amount,omitempty"`
	Currency                 string          `json:"currency"`
	Timestamp                Timestamp       `json:"timestamp,omitzero"`
	Meta                     DirectDebitMeta `json:"meta,omitzero"`
}

// ProviderInfo is an item of the auth server's public provider list
// (GET /api/providers). Note logo_url here versus logo_uri in the Data API.
type ProviderInfo struct {
	ProviderID   string   `json:"provider_id"`
	DisplayName  string   `json:"display_name"`
	LogoURL      string   `json:"logo_url,omitempty"`
	Scopes       []string `json:"scopes,omitempty"`
	Country      string   `json:"country,omitempty"`
	ReleaseStage string   `json:"release_stage,omitempty"`
}

// Async task statuses.
const (
	TaskQueued    = "Queued"
	TaskRunning   = "Running"
	TaskSucceeded = "Succeeded"
	TaskFailed    = "Failed"
)

// AsyncTask is the immediate answer to a request made with async=true.
type AsyncTask struct {
	ResultsURI string `json:"results_uri"`
	Status     string `json:"status"`
	TaskID     string `json:"task_id"`
}

// AsyncResult is GET /results/{task_id}: Results holds the raw results array
// once Status is Succeeded.
type AsyncResult struct {
	Status           string          `json:"status"`
	TaskID           string          `json:"task_id,omitempty"`
	Results          json.RawMessage `json:"results,omitempty"`
	Error            string          `json:"error,omitempty"`
	ErrorDescription string          `json:"error_description,omitempty"`
}

// Webhook is the notification TrueLayer POSTs to webhook_uri when an async
// task ends; it carries no results, only where to fetch them.
type Webhook struct {
	RequestTimestamp Timestamp `json:"request_timestamp,omitzero"`
	RequestURI       string    `json:"request_uri,omitempty"`
	CredentialsID    string    `json:"credentials_id,omitempty"`
	TaskID           string    `json:"task_id"`
	Status           string    `json:"status"`
	ResultsURI       string    `json:"results_uri,omitempty"`
	Error            string    `json:"error,omitempty"`
	ErrorDescription string    `json:"error_description,omitempty"`
}

// Status API (provider availability), §1.9.
type (
	StatusReport struct {
		Timestamp Timestamp        `json:"timestamp"`
		Providers []ProviderStatus `json:"providers"`
	}
	ProviderStatus struct {
		ProviderID string           `json:"provider_id"`
		Endpoints  []EndpointStatus `json:"endpoints"`
	}
	// EndpointStatus percentages are 0-100; they are statistics, not money, so float64.
	EndpointStatus struct {
		Endpoint       string  `json:"endpoint"`
		Availability   float64 `json:"availability"`
		ProviderError  float64 `json:"provider_error"`
		TruelayerError float64 `json:"truelayer_error"`
	}
)
