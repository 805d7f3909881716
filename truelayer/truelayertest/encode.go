package truelayertest

import (
	"strconv"
	"time"
)

// A hand-written encoder for transaction lists: encoding/json through
// truelayer.Transaction (maps, custom marshalers) needs about 2 s for
// 100,000 transactions; this needs a small fraction of it. It writes the
// same JSON as txJSON would (TestEncoderMatchesModel).

// appendTxs appends the JSON array of txs, newest first.
func (b *bank) appendTxs(dst []byte, a *acct, txs []tx, pending, withBalance bool) []byte {
	dst = append(dst, '[')
	for i := len(txs) - 1; i >= 0; i-- {
		if i != len(txs)-1 {
			dst = append(dst, ',')
		}
		dst = b.appendTx(dst, a, &txs[i], pending, withBalance)
	}
	return append(dst, ']')
}

// appendTx appends one transaction object, fields in txJSON's order.
func (b *bank) appendTx(dst []byte, a *acct, t *tx, pending, withBalance bool) []byte {
	mm := t.m
	dst = append(dst, `{"transaction_id":"`...)
	when, desc := t.at, mm.descs[t.variant]
	if pending {
		dst = appendHex32(dst, t.pid, ^t.id)
		when, desc = t.pendingAt, mm.pendingDesc
	} else {
		dst = appendHex32(dst, t.id, t.pid)
	}
	dst = append(dst, `","timestamp":`...)
	dst = appendStamp(dst, a.style, time.Unix(when, 0))
	dst = append(dst, `,"description":`...)
	dst = appendString(dst, desc)
	dst = append(dst, `,"amount":`...)
	dst = appendMinor(dst, t.amount)
	dst = append(dst, `,"currency":`...)
	dst = appendString(dst, a.currency)
	if t.amount < 0 {
		dst = append(dst, `,"transaction_type":"DEBIT"`...)
	} else {
		dst = append(dst, `,"transaction_type":"CREDIT"`...)
	}
	dst = append(dst, `,"transaction_category":`...)
	dst = appendString(dst, mm.category)
	dst = append(dst, `,"transaction_classification":[`...)
	for i, c := range mm.class {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, c)
	}
	dst = append(dst, ']')
	if mm.name != "" {
		dst = append(dst, `,"merchant_name":`...)
		dst = appendString(dst, mm.name)
	}
	if !pending {
		dst = appendSettledFields(dst, a, t, withBalance)
	}
	dst = appendMeta(dst, a, t, pending)
	return append(dst, '}')
}

// appendSettledFields appends what only settled transactions carry: the
// running balance and the provider's ids.
func appendSettledFields(dst []byte, a *acct, t *tx, withBalance bool) []byte {
	if withBalance {
		bal := t.balance
		if a.card {
			bal = -bal
		}
		dst = append(dst, `,"running_balance":{"amount":`...)
		dst = appendMinor(dst, bal)
		dst = append(dst, `,"currency":`...)
		dst = appendString(dst, a.currency)
		dst = append(dst, '}')
	}
	dst = append(dst, `,"provider_transaction_id":"`...)
	dst = strconv.AppendUint(dst, t.id>>8, 36)
	dst = append(dst, `","normalised_provider_transaction_id":"txn-`...)
	dst = strconv.AppendUint(dst, t.id>>16, 36)
	return append(dst, '"')
}

// appendMeta appends the meta object, keys in sorted order as encoding/json
// writes maps.
func appendMeta(dst []byte, a *acct, t *tx, pending bool) []byte {
	mm := t.m
	dst = append(dst, `,"meta":{`...)
	if !pending {
		dst = append(dst, `"bank_transaction_id":"`...)
		dst = strconv.AppendUint(dst, t.id&0xffffffffff, 10)
		dst = append(dst, `",`...)
	}
	if mm.card && t.amount < 0 {
		dst = append(dst, `"cardNumber":"************`...)
		dst = append(dst, a.partial...)
		dst = append(dst, `",`...)
	}
	if t.fxCur != "" {
		dst = append(dst, `"exchange_rate":`...)
		dst = appendString(dst, t.fxRate)
		dst = append(dst, ',')
	}
	if mm.card && t.amount < 0 {
		dst = append(dst, `"location":`...)
		dst = appendString(dst, mm.location)
		dst = append(dst, ',')
	}
	if t.fxCur != "" {
		dst = append(dst, `"original_amount":"`...)
		dst = appendMinorFixed(dst, t.fxMinor)
		dst = append(dst, `","original_currency":`...)
		dst = appendString(dst, t.fxCur)
		dst = append(dst, ',')
	}
	if t.pay != nil {
		dst = append(dst, `"provider_reference":`...)
		dst = appendString(dst, t.pay.ref)
		dst = append(dst, ',')
	}
	dst = append(dst, `"provider_transaction_category":`...)
	dst = appendString(dst, mm.provCat)
	return append(dst, '}')
}

func appendHex32(dst []byte, a, b uint64) []byte {
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, hexDigits[(a>>uint(shift))&15])
	}
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, hexDigits[(b>>uint(shift))&15])
	}
	return dst
}

// appendMinor writes pence as the shortest exact decimal, as
// truelayer.AmountFromMinor(v, 2).String() does: 1250 -> 12.5, 1200 -> 12.
func appendMinor(dst []byte, v int64) []byte {
	if v < 0 {
		dst = append(dst, '-')
		v = -v
	}
	dst = strconv.AppendInt(dst, v/100, 10)
	switch frac := v % 100; {
	case frac == 0:
	case frac%10 == 0:
		dst = append(dst, '.', byte('0'+frac/10))
	default:
		dst = append(dst, '.', byte('0'+frac/10), byte('0'+frac%10))
	}
	return dst
}

// appendMinorFixed writes pence with exactly two decimals (no sign: positive only).
func appendMinorFixed(dst []byte, v int64) []byte {
	dst = strconv.AppendInt(dst, v/100, 10)
	frac := v % 100
	return append(dst, '.', byte('0'+frac/10), byte('0'+frac%10))
}

// appendString writes s as a JSON string. Bank text here is ours and plain,
// but quotes, backslashes and control characters are escaped all the same.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// appendStamp writes formatStamp(style, t).Raw as a JSON string.
func appendStamp(dst []byte, style int, t time.Time) []byte {
	t = t.UTC()
	dst = append(dst, '"')
	switch style {
	case 1:
		dst = t.AppendFormat(dst, "2006-01-02T15:04:05.000+00:00")
	case 2:
		dst = t.Truncate(24*time.Hour).AppendFormat(dst, "2006-01-02T15:04:05")
	default:
		dst = t.AppendFormat(dst, time.RFC3339)
	}
	return append(dst, '"')
}
