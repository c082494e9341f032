from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Post",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200)),
                ("published", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.RunPython(
            lambda apps, schema_editor: apps.get_model("blog", "Post").objects.create(title="Hello from the fixture blog"),
            migrations.RunPython.noop,
        ),
    ]
