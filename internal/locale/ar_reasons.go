package locale

// arabicReasons holds the Arabic of the reasons the gateway stores in
// English as it learns them: a session's status_reason, a failed message's
// error, the reason of session.status events. They are translated when
// answered (TranslateReason), so the stored text and the field stay as
// they were for every client that reads English.
var arabicReasons = map[string]string{
	// The gateway (internal/service, internal/local, internal/nomad, internal/api).
	"The instance was stopped; start it to connect again.":                                "أُوقف المثيل؛ شغّله ليتصل من جديد.",
	"The worker is waiting for its secrets (Nomad Variables or Vault).":                   "ينتظر العامل أسراره (Nomad Variables أو Vault).",
	"session webhook refused":                                                             "رُفض عنوان webhook الخاص بالجلسة",
	"session deleted":                                                                     "حُذفت الجلسة",
	"stream ended after 5 minutes; ask again for new codes":                               "انتهى البث بعد 5 دقائق؛ اطلب رموزًا جديدة",
	"The endpoint failed every attempt for too long.":                                     "فشلت نقطة النهاية في كل محاولة مدة طويلة.",
	"The QR code expired before it was scanned; ask for the QR code again for a new one.": "انتهت صلاحية رمز QR قبل مسحه؛ اطلب رمز QR من جديد لتحصل على رمز جديد.",
	"The device was logged out.":                                                          "سُجّل خروج الجهاز.",
	"WhatsApp banned the number temporarily.":                                             "حظر واتساب الرقم مؤقتًا.",
	"replaced by another connection":                                                      "حلّ محلّه اتصال آخر",
	"Logged out through the API.":                                                         "سُجّل الخروج عبر واجهة API.",
	"Pairing failed: %s":                                                                  "فشل الربط: %s",
	// whatsmeow.
	"The connection to WhatsApp dropped; reconnecting.":                                                                                              "انقطع الاتصال بواتساب؛ جارٍ إعادة الاتصال.",
	"The pairing connection to WhatsApp closed; reconnecting for new QR codes.":                                                                      "أُغلق اتصال الربط بواتساب؛ جارٍ إعادة الاتصال لرموز QR جديدة.",
	"WhatsApp rejected this client version as outdated (405); set WHATSAPP_WEB_VERSION to the current WhatsApp Web version and restart the session.": "رفض واتساب إصدار هذا العميل لأنه قديم (405)؛ اضبط WHATSAPP_WEB_VERSION على إصدار واتساب ويب الحالي وأعد تشغيل الجلسة.",
	"WhatsApp's server reported an error delivering the message.":                                                                                    "أبلغ خادم واتساب عن خطأ في تسليم الرسالة.",
	"WhatsApp banned the number temporarily; the session reconnects when the ban ends.":                                                              "حظر واتساب الرقم مؤقتًا؛ تعيد الجلسة الاتصال عند انتهاء الحظر.",
	"The phone scanned the code without multi-device; update WhatsApp on the phone and scan again.":                                                  "مسح الهاتف الرمز دون دعم الأجهزة المتعددة؛ حدّث واتساب على الهاتف وامسح الرمز من جديد.",
	"WhatsApp could not complete the pairing; scan a new code.":                                                                                      "تعذّر على واتساب إتمام الربط؛ امسح رمزًا جديدًا.",
	"WhatsApp logged the device out; pair the session again.":                                                                                        "سجّل واتساب خروج الجهاز؛ اربط الجلسة من جديد.",
	"WhatsApp logged the device out (%s); pair the session again.":                                                                                   "سجّل واتساب خروج الجهاز (%s)؛ اربط الجلسة من جديد.",
	"WhatsApp banned the number temporarily (%d: %s).":                                                                                               "حظر واتساب الرقم مؤقتًا (%d: %s).",
	"WhatsApp refused the connection (%s); retrying in %s.":                                                                                          "رفض واتساب الاتصال (%s)؛ إعادة المحاولة بعد %s.",
	"The device is no longer linked to WhatsApp; pair the session again.":                                                                            "لم يعد الجهاز مرتبطًا بواتساب؛ اربط الجلسة من جديد.",
	"WhatsApp stopped answering keepalives; reconnecting.":                                                                                           "توقف واتساب عن الرد على رسائل إبقاء الاتصال؛ جارٍ إعادة الاتصال.",
	"The connection to WhatsApp closed without notice; reconnecting.":                                                                                "أُغلق الاتصال بواتساب دون إشعار؛ جارٍ إعادة الاتصال.",
	"The connection to WhatsApp is up but not logged in; reconnecting.":                                                                              "الاتصال بواتساب قائم لكن دون تسجيل دخول؛ جارٍ إعادة الاتصال.",
	"Cannot reach WhatsApp (%s); retrying in %s.":                                                                                                    "تعذّر الوصول إلى واتساب (%s)؛ إعادة المحاولة بعد %s.",
	"Cannot reach the proxy %s (%s); retrying in %s.":                                                                                                "تعذّر الوصول إلى الوكيل %s (%s)؛ إعادة المحاولة بعد %s.",
	"Cannot reach WhatsApp through the proxy %s (%s); retrying in %s.":                                                                               "تعذّر الوصول إلى واتساب عبر الوكيل %s (%s)؛ إعادة المحاولة بعد %s.",
	"the connection timed out":                                                                                                                       "انتهت مهلة الاتصال",
	"the connection was refused":                                                                                                                     "رُفض الاتصال",
	"the proxy refused the connection":                                                                                                               "رفض الوكيل الاتصال",
	"the connection failed":                                                                                                                          "فشل الاتصال",
	"cannot resolve %s":                                                                                                                              "تعذّر العثور على عنوان %s",
	// The sandbox.
	"sandbox: recipient is not on WhatsApp": "sandbox: المستلم ليس على واتساب",
	"sandbox: network unavailable":          "sandbox: الشبكة غير متاحة",
}
