package service

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Failed logins (and wrong current passwords at a password change) are
// counted in the cache, each counter living LOGIN_LOCKOUT from its first
// failure, at three levels:
//
//   - one account from one address: LOGIN_MAX_ATTEMPTS failures lock that
//     address out of that account, and only that: the owner logging in from
//     elsewhere is not locked out by someone guessing at the password;
//   - one address, any account: 4 × LOGIN_MAX_ATTEMPTS failures lock the
//     address out (password spraying from one place; offices share
//     addresses, hence the larger allowance);
//   - one account from many addresses: when LOGIN_LOCKOUT_ADDRESSES distinct
//     addresses failed on the account within the window, the account itself
//     is locked, from everywhere (a distributed attack).
//
// A lock lasts LOGIN_LOCKOUT from the failure that set it, and its refusal
// says when it ends. A cache outage locks nobody out.
const (
	lockPair    = "pair"
	lockAddress = "ip"
	lockAccount = "acct"
)

func failKey(level, id string) string { return "login:fail:" + level + ":" + id }
func lockKey(level, id string) string { return "login:lock:" + level + ":" + id }

// pairID names one account from one address (an address never holds "|").
func pairID(email, clientIP string) string { return clientIP + "|" + email }

// loginLocked returns CodeRateLimited, saying when it ends, while any lock
// on the account, the address or the pair holds.
func (s *Service) loginLocked(ctx context.Context, email, clientIP string) error {
	checks := []struct{ level, id, msg string }{
		{lockAccount, email, "This account is locked after failed logins from many addresses; try again in %s, or reset the password."},
		{lockPair, pairID(email, clientIP), "Too many failed logins for this account from your address; try again in %s."},
		{lockAddress, clientIP, "Too many failed logins from your address; try again in %s."},
	}
	for _, c := range checks {
		v, ok, err := s.cache.Get(ctx, lockKey(c.level, c.id))
		if err != nil || !ok {
			continue
		}
		end, _ := strconv.ParseInt(string(v), 10, 64)
		secs := int(time.Until(time.Unix(end, 0)).Seconds() + 0.999)
		if secs < 1 {
			secs = 1
		}
		if max := int(s.cfg.LoginLockout.Seconds()); secs > max {
			secs = max
		}
		return &gateway.Error{Code: gateway.CodeRateLimited, Message: fmt.Sprintf(c.msg, waitText(secs)),
			Details: map[string]any{"retry_after_seconds": secs}}
	}
	return nil
}

// loginFailed counts a failure at every level and sets the locks whose
// threshold it reaches.
func (s *Service) loginFailed(ctx context.Context, email, clientIP string) {
	pair := pairID(email, clientIP)
	n, err := s.cache.Incr(ctx, failKey(lockPair, pair), 1, s.cfg.LoginLockout)
	if err != nil {
		s.log.Warn("count login failure", "err", err)
		return
	}
	if n >= int64(s.cfg.LoginMaxAttempts) {
		s.lock(ctx, lockPair, pair)
	}
	if n == 1 { // a new address failing on this account
		if a, err := s.cache.Incr(ctx, failKey(lockAccount, email), 1, s.cfg.LoginLockout); err == nil && a >= int64(s.cfg.LoginLockoutAddresses) {
			s.lock(ctx, lockAccount, email)
			s.log.Warn("account locked after failed logins from many addresses", "addresses", a)
		}
	}
	if a, err := s.cache.Incr(ctx, failKey(lockAddress, clientIP), 1, s.cfg.LoginLockout); err == nil && a >= int64(4*s.cfg.LoginMaxAttempts) {
		s.lock(ctx, lockAddress, clientIP)
	}
}

func (s *Service) lock(ctx context.Context, level, id string) {
	end := time.Now().Add(s.cfg.LoginLockout).Unix()
	if err := s.cache.Set(ctx, lockKey(level, id), []byte(strconv.FormatInt(end, 10)), s.cfg.LoginLockout); err != nil {
		s.log.Warn("set login lock", "err", err)
	}
}

// loginSucceeded forgets the pair's failures: the owner's own typos do not
// add up across successful logins. The account's count of failing addresses
// stays (another address's failures are not the owner's).
func (s *Service) loginSucceeded(ctx context.Context, email, clientIP string) {
	_ = s.cache.Delete(ctx, failKey(lockPair, pairID(email, clientIP)))
}

// unlockAccount lifts the account-wide lock and its count, after the owner
// proved control of the mailbox with a password reset.
func (s *Service) unlockAccount(ctx context.Context, email string) {
	_ = s.cache.Delete(ctx, lockKey(lockAccount, email), failKey(lockAccount, email))
}

// waitText says a wait in words: "45 seconds", "15 minutes".
func waitText(secs int) string {
	if secs < 120 {
		return fmt.Sprintf("%d seconds", secs)
	}
	return fmt.Sprintf("%d minutes", (secs+59)/60)
}
