"""Drives Debian's headless Chromium through the public verification page.

Usage: verify_page.py BASE_URL QR_URL GOOD_PDF TAMPERED_PDF NUMBER FULL_IINS MASKED_IIN

FULL_IINS: comma-separated IINs of the payload that must not appear unmasked.

Opens the QR link in kk, ru and en and checks the verdict, the registration number and that
the recipient's IIN appears masked only; then uploads a tampered copy (must fail) and the
original (must pass) through the upload form. Exits non-zero on the first failed check.
"""

import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def verdict(driver):
    element = WebDriverWait(driver, 30).until(
        EC.presence_of_element_located((By.ID, "verdict"))
    )
    return element


def main():
    base, qr_url, good, tampered, number, full_iin, masked_iin = sys.argv[1:8]
    driver = browser()
    try:
        texts = {}
        for lang in ("kk", "ru", "en"):
            driver.get(f"{qr_url}?lang={lang}")
            v = verdict(driver)
            assert v.get_attribute("data-indication") == "TOTAL_PASSED", (lang, v.text)
            assert v.get_attribute("data-status") == "registered", (lang, v.text)
            assert driver.find_element(By.ID, "number").text == number, lang
            html = driver.page_source
            for iin in full_iin.split(","):
                assert iin not in html, f"{lang}: a full IIN is on the public page"
            assert masked_iin in driver.find_element(By.ID, "subject").text, lang
            assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
            texts[lang] = v.text
        assert len(set(texts.values())) == 3, f"the verdict is not translated: {texts}"
        assert texts["en"] == "The document is authentic and valid", texts["en"]

        for path, expected_pass in ((tampered, False), (good, True)):
            driver.get(f"{base}/verify?lang=en")
            driver.find_element(By.ID, "file").send_keys(path)
            driver.find_element(By.ID, "check").click()
            WebDriverWait(driver, 30).until(EC.url_contains("/verify"))
            v = verdict(driver)
            indication = v.get_attribute("data-indication")
            if expected_pass:
                assert indication == "TOTAL_PASSED", (path, indication, v.text)
            else:
                assert indication == "TOTAL_FAILED", (path, indication, v.text)
        print("OK")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
