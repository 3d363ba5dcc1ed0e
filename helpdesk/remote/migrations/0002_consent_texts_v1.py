"""The first consent wording, in Japanese and English (SLA clause 3(b))."""

import hashlib

from django.db import migrations

JA = """リモートサポートに関する同意事項（第1版）

1. 当社の担当者は、お客様の同意を得た場合に限り、下記の範囲と方法でお客様の端末に接続します。
2. 接続中に知り得た情報は、本お問い合わせの対応にのみ利用し、それ以外の目的には利用しません。
3. お客様は、接続が終わるまでいつでも同意を撤回できます。撤回された時点で接続を終了します。
4. 同意には有効期限があります。期限を過ぎた同意では接続しません。
5. 接続の開始と終了の日時は記録され、お客様のお問い合わせに表示されます。"""

EN = """Consent to remote support (version 1)

1. Our staff connect to your device only with your consent, only within the scope and with the
   tool stated below.
2. Anything seen during the session is used only to handle this inquiry, for no other purpose.
3. You may revoke your consent at any time until the session ends; the session then ends.
4. Your consent expires at the time stated below; after that nobody connects on it.
5. The start and end of the session are recorded and shown on your inquiry."""


def add_texts(apps, schema_editor):
    ConsentText = apps.get_model("remote", "ConsentText")
    for language, body in (("ja", JA), ("en", EN)):
        ConsentText.objects.get_or_create(
            version="1",
            language=language,
            defaults={"body": body, "sha256": hashlib.sha256(body.encode()).hexdigest()},
        )


class Migration(migrations.Migration):
    dependencies = [("remote", "0001_initial")]

    operations = [migrations.RunPython(add_texts, migrations.RunPython.noop)]
