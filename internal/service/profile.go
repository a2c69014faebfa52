package service

import (
	"bytes"
	"context"
	"image/jpeg"
	"slices"
	"strings"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Limits WhatsApp sets on a profile.
const (
	maxPushName     = 25
	maxAbout        = 139
	maxPictureBytes = 512 << 10
)

// Profile is the session's own profile, live.
func (s *Service) Profile(ctx context.Context, userID, sessionID string) (gateway.ProfileResult, error) {
	return runAccount(ctx, s, userID, sessionID, gateway.OpProfileGet, gateway.ProfileRequest{})
}

// UpdateProfile changes the push name and about text.
func (s *Service) UpdateProfile(ctx context.Context, userID, sessionID string, r gateway.ProfileUpdateRequest) (gateway.ProfileResult, error) {
	if r.PushName == nil && r.About == nil {
		return gateway.ProfileResult{}, gateway.ValidationError(map[string]string{"push_name": "Give push_name, about or both."})
	}
	var err error
	if r.PushName, err = checkChange(r.PushName, "push_name", maxPushName, true); err != nil {
		return gateway.ProfileResult{}, err
	}
	if r.About, err = checkChange(r.About, "about", maxAbout, false); err != nil {
		return gateway.ProfileResult{}, err
	}
	return runAccount(ctx, s, userID, sessionID, gateway.OpProfileUpdate, r)
}

// SetProfilePicture sets the picture (a JPEG), or removes it when image is nil.
func (s *Service) SetProfilePicture(ctx context.Context, userID, sessionID string, image []byte) (gateway.ProfilePicture, error) {
	if image != nil {
		switch {
		case len(image) == 0:
			return gateway.ProfilePicture{}, gateway.ValidationError(map[string]string{"image": "Give the picture, a base64-encoded JPEG."})
		case len(image) > maxPictureBytes:
			return gateway.ProfilePicture{}, gateway.ValidationError(map[string]string{"image": "At most 512 KiB."})
		}
		if _, err := jpeg.DecodeConfig(bytes.NewReader(image)); err != nil {
			return gateway.ProfilePicture{}, gateway.ValidationError(map[string]string{"image": "Not a JPEG image."})
		}
	}
	return runAccount(ctx, s, userID, sessionID, gateway.OpProfilePicture, gateway.ProfilePictureRequest{Image: image})
}

// PrivacySettings are the session's privacy settings, live.
func (s *Service) PrivacySettings(ctx context.Context, userID, sessionID string) (gateway.PrivacyResult, error) {
	return runAccount(ctx, s, userID, sessionID, gateway.OpPrivacyGet, gateway.PrivacyRequest{})
}

// UpdatePrivacySettings changes the settings given, one by one.
func (s *Service) UpdatePrivacySettings(ctx context.Context, userID, sessionID string, r gateway.PrivacyUpdateRequest) (gateway.PrivacyResult, error) {
	changes := r.Changes()
	if len(changes) == 0 {
		return gateway.PrivacyResult{}, gateway.ValidationError(map[string]string{"last_seen": "Give at least one setting."})
	}
	bad := map[string]string{}
	for _, c := range changes {
		if vs := gateway.PrivacySettingValues[c[0]]; !slices.Contains(vs, c[1]) {
			bad[c[0]] = "Give " + strings.Join(vs, ", ") + "."
		}
	}
	if len(bad) > 0 {
		return gateway.PrivacyResult{}, gateway.ValidationError(bad)
	}
	return runAccount(ctx, s, userID, sessionID, gateway.OpPrivacyUpdate, r)
}
