module github.com/whatsapp-saas/gateway

go 1.26
