using MimecastActors.Domain;

namespace MimecastActors.Tests.Domain;

public sealed class SecretBoxTests
{
    private static readonly SecretBox Box = SecretBox.FromBase64(SecretBox.NewKey()).Box!;

    [Fact]
    public void A_sealed_secret_opens_with_the_same_key_tenant_and_purpose_and_does_not_show_the_secret()
    {
        var sealedSecret = Box.Seal("s3cr3t-value", "acme", RegisteredTenant.ClientSecretPurpose);

        sealedSecret.Should().StartWith("v1:").And.NotContain("s3cr3t-value");
        Box.Open(sealedSecret, "acme", RegisteredTenant.ClientSecretPurpose).Should().Be("s3cr3t-value");
        Box.Seal("s3cr3t-value", "acme", RegisteredTenant.ClientSecretPurpose).Should().NotBe(sealedSecret, "a fresh nonce each time");
    }

    [Fact]
    public void Another_key_is_a_clear_error_naming_the_tenant_and_the_setting()
    {
        var sealedSecret = Box.Seal("s3cr3t-value", "acme", RegisteredTenant.IntakeKeyPurpose);
        var other = SecretBox.FromBase64(SecretBox.NewKey()).Box!;

        var open = () => other.Open(sealedSecret, "acme", RegisteredTenant.IntakeKeyPurpose);

        open.Should().Throw<SecretBoxException>().WithMessage("the intake key of tenant `acme` was sealed with another Secrets.Key than this node's");
    }

    [Fact]
    public void A_secret_sealed_for_one_tenant_or_purpose_does_not_open_as_another()
    {
        var sealedSecret = Box.Seal("s3cr3t-value", "acme", RegisteredTenant.ClientSecretPurpose);

        ((Action)(() => Box.Open(sealedSecret, "globex", RegisteredTenant.ClientSecretPurpose))).Should().Throw<SecretBoxException>();
        ((Action)(() => Box.Open(sealedSecret, "acme", RegisteredTenant.IntakeKeyPurpose))).Should().Throw<SecretBoxException>();
    }

    [Theory]
    [InlineData("s3cr3t-value")]
    [InlineData("v1:not-base64")]
    [InlineData("v1:AAAA")]
    public void What_is_not_a_sealed_secret_is_refused_clearly(string value)
    {
        var open = () => Box.Open(value, "acme", RegisteredTenant.ClientSecretPurpose);

        open.Should().Throw<SecretBoxException>().WithMessage("the client secret of tenant `acme` is not a sealed secret");
    }

    [Fact]
    public void A_tampered_secret_does_not_open()
    {
        var sealedSecret = Box.Seal("s3cr3t-value", "acme", RegisteredTenant.ClientSecretPurpose);
        var bytes = Convert.FromBase64String(sealedSecret[3..]);
        bytes[^1] ^= 1;

        var open = () => Box.Open("v1:" + Convert.ToBase64String(bytes), "acme", RegisteredTenant.ClientSecretPurpose);

        open.Should().Throw<SecretBoxException>();
    }
}
