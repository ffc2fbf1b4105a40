// SPDX-License-Identifier: LGPL-2.1-or-later
// What JSignPdf does through Java's SunPKCS11, plus the files the shell
// test needs from Java (one JVM start):
//   java JpkiSign.java CONFIG PIN MALFORMED-PIN DATA SIG JAR TRUSTSTORE CA
// logs in with MALFORMED-PIN (must be refused), then with PIN; signs DATA
// with SHA256withRSA into SIG; writes an unsigned JAR for jarsigner and a
// PKCS#12 TRUSTSTORE (password "changeit") holding CA.
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.util.Collections;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

public class JpkiSign {
	public static void main(String[] args) throws Exception {
		Provider p11 = Security.getProvider("SunPKCS11").configure(args[0]);
		KeyStore card = KeyStore.getInstance("PKCS11", p11);
		try {
			card.load(null, args[2].toCharArray());
			throw new IllegalStateException("a malformed PIN was accepted");
		} catch (java.io.IOException e) {
			System.out.println("malformed PIN refused: " + e.getCause());
		}
		card.load(null, args[1].toCharArray());

		String alias = null;
		for (String a : Collections.list(card.aliases())) {
			if (card.isKeyEntry(a)) alias = a;
		}
		if (alias == null) throw new IllegalStateException("no key entry");
		System.out.println("key entry: " + alias + ", chain of " +
		                   card.getCertificateChain(alias).length);

		Signature sig = Signature.getInstance("SHA256withRSA", p11);
		sig.initSign((PrivateKey) card.getKey(alias, null));
		sig.update(Files.readAllBytes(Path.of(args[3])));
		Files.write(Path.of(args[4]), sig.sign());
		System.out.println("signed with " + sig.getProvider().getName());

		Manifest manifest = new Manifest();
		manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
		try (JarOutputStream jar = new JarOutputStream(new FileOutputStream(args[5]), manifest)) {
			jar.putNextEntry(new JarEntry("filing/application.txt"));
			jar.write("registry filing\n".getBytes(StandardCharsets.UTF_8));
			jar.closeEntry();
		}

		KeyStore trust = KeyStore.getInstance("PKCS12");
		trust.load(null, null);
		try (InputStream in = new FileInputStream(args[7])) {
			trust.setCertificateEntry("jpki-sign-ca",
				CertificateFactory.getInstance("X.509").generateCertificate(in));
		}
		try (OutputStream out = new FileOutputStream(args[6])) {
			trust.store(out, "changeit".toCharArray());
		}
	}
}
