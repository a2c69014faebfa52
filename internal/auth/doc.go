// Package auth holds the product's credentials: bcrypt password hashes,
// JWTs per RFC 8725 (one algorithm allowed, exp/iss/aud checked, keys named
// by kid so a rotation keeps old tokens valid for their lifetime) and API
// keys (wsa_ + random + checksum, stored as SHA-256, shown once).
package auth
