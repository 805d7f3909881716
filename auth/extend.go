package auth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/truelayer"
)

// ErrCannotExtend: TrueLayer answered an extension with something banktui
// cannot do (reconfirmation_of_consent_needed, documented as unsupported):
// only a new login renews the connection.
var ErrCannotExtend = errors.New("the bank connection cannot be extended")

// ExtendOptions configure the renewal of a saved connection's consent. The
// LoginOptions say how to reach TrueLayer and, when the bank wants the
// user to sign in again, how to show the link and wait for the browser
// (as a login does). The caller must have shown its own reconfirmation of
// consent first: banktui tells TrueLayer the user has reconfirmed.
type ExtendOptions struct {
	LoginOptions
	ConnectionID string
	// User identifies the end user to TrueLayer: a full name, and an
	// email or a phone number.
	User truelayer.ExtendUser
}

// Extended is a renewed connection.
type Extended struct {
	Connection *config.Connection
	// SignedIn: the bank wanted the user to authenticate again, and they did.
	SignedIn bool
}

// Extend renews a connection's consent through /connections/extend, with
// its refresh token (no access token: it works after the consent lapsed).
// When no action is needed, the new tokens are saved at once; when the
// bank wants the user to authenticate (authentication_needed), its link is
// shown and opened, and the code that comes back to the redirect URI (or
// is pasted) renews the same connection, under the same local id. A
// refresh token TrueLayer no longer knows gives a *ReconnectError: only
// `banktui login` brings that connection back.
func Extend(ctx context.Context, o ExtendOptions) (*Extended, error) {
	creds, err := o.Store.Load()
	if err != nil {
		return nil, err
	}
	cn := creds.Connection(o.ConnectionID)
	switch {
	case cn == nil:
		return nil, fmt.Errorf("%w %q (see `banktui connections`)", ErrUnknownConnection, o.ConnectionID)
	case cn.RefreshToken == "":
		return nil, &ReconnectError{ConnectionID: cn.ID, Reason: "it has no refresh token to extend it with"}
	}
	s, err := newSession(o.LoginOptions)
	if err != nil {
		return nil, err
	}
	s.renew = cn.ID
	api := o.APIURL
	if api == "" {
		api = truelayer.Live.APIURL
	}
	resp, err := o.Auth.ExtendConnection(ctx, api, truelayer.ExtendRequest{
		RefreshToken: cn.RefreshToken, RedirectURI: s.o.RedirectURI,
		UserHasReconfirmedConsent: true, User: &o.User,
	})
	if errors.Is(err, truelayer.ErrConsentNeeded) {
		return nil, &ReconnectError{ConnectionID: cn.ID, Reason: "TrueLayer no longer knows its refresh token (" + errorCode(err, "invalid_grant") + ")", Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("extending connection %s: %w", cn.ID, err)
	}
	switch resp.ActionNeeded {
	case truelayer.ActionNoActionNeeded:
		conn, err := s.extended(ctx, resp.Token(time.Now()))
		return &Extended{Connection: conn}, err
	case truelayer.ActionAuthenticationNeeded:
		if s.authURL, err = s.linkWithState(resp.UserInputLink); err != nil {
			return nil, err
		}
		if err := s.listen(ctx); err != nil {
			return nil, err
		}
		conn, err := s.interact(ctx)
		if err != nil {
			return nil, err
		}
		return &Extended{Connection: conn, SignedIn: true}, nil
	}
	return nil, fmt.Errorf("%w: TrueLayer asks for %q; reconnect it with `banktui login --provider %s` (its history is kept)",
		ErrCannotExtend, resp.ActionNeeded, cn.ProviderID)
}

// linkWithState is the bank's sign-in link with the session's state, so
// the answer that comes back can be told from any other: the link's own
// state when TrueLayer set one, else the session's added.
func (s *LoginSession) linkWithState(link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errors.New("extending: TrueLayer's sign-in link is not a web address")
	}
	q := u.Query()
	if st := q.Get("state"); st != "" {
		s.state = st
		return link, nil
	}
	q.Set("state", s.state)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// extended saves the tokens of an extension that needed no action into the
// connection being renewed, with its new consent period from /me.
func (s *LoginSession) extended(ctx context.Context, tok *truelayer.Token) (*config.Connection, error) {
	conn, err := s.o.describe(ctx, tok)
	if err != nil {
		return nil, err
	}
	err = s.o.Store.Update(func(c *config.Credentials) error { return s.renewed(c, &conn) })
	if err != nil {
		return nil, fmt.Errorf("extending: saving the connection: %w", err)
	}
	return &conn, nil
}

// renewed puts conn, new tokens and consent of the connection being
// renewed, in its place, under its local id. The bank must have renewed
// that connection, not signed in another.
func (s *LoginSession) renewed(c *config.Credentials, conn *config.Connection) error {
	old := c.Connection(s.renew)
	if old == nil {
		return fmt.Errorf("%w %q (it was removed meanwhile)", ErrUnknownConnection, s.renew)
	}
	if old.CredentialsID != "" && conn.CredentialsID != "" && old.CredentialsID != conn.CredentialsID {
		return fmt.Errorf("the bank signed in another connection than %s, so nothing was changed: sign in as the same user, or connect it with `banktui login`", old.ID)
	}
	conn.ID = old.ID
	if conn.ProviderID == "" {
		conn.ProviderID = old.ProviderID
	}
	if conn.ProviderName == "" {
		conn.ProviderName = old.ProviderName
	}
	if len(conn.Scopes) == 0 {
		conn.Scopes = old.Scopes
	}
	*old = *conn
	return nil
}
